//! PostgreSQL: a change to a row's searched text is queued for the index like an insert,
//! instead of computing the row's vector inside the UPDATE (as SQLite already does since
//! `m20261201_000110_search_queue`).
//!
//! The sync stores the bodies of the header rows it showed first with one UPDATE per
//! batch; computing `to_tsvector` over every body inside it was about 170 ms of a
//! 1,000-message first sync (0.37 s in all), and every later sync's new mail takes that
//! path. Now the row trigger only clears the vector (the row leaves the index at once, as
//! on SQLite, and is counted as not yet indexed) and queues the row.
//!
//! A queued row may then be locked by a sync's open transaction while the indexer takes
//! it: the indexer skips rows it cannot lock (`mail_view::search_index`), so neither
//! waits for the other.

use super::{m20261130_000050_message_search::SEARCHED, m20261201_000110_search_queue::run};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let [drop, create] = trigger("messages_search_requeue");
        on_postgres(
            manager,
            &[
                "CREATE FUNCTION messages_search_requeue() RETURNS trigger LANGUAGE plpgsql AS $fn$ \
                 BEGIN \
                 NEW.search := NULL; \
                 INSERT INTO message_search_queue(id) VALUES (NEW.id) ON CONFLICT DO NOTHING; \
                 RETURN NEW; \
                 END $fn$"
                    .to_owned(),
                drop,
                create,
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let [drop, create] = trigger("messages_search_refresh");
        let function = "DROP FUNCTION IF EXISTS messages_search_requeue()".to_owned();
        on_postgres(manager, &[drop, create, function]).await
    }
}

/// Runs `statements` in one transaction on PostgreSQL; SQLite already queues changed rows.
async fn on_postgres(manager: &SchemaManager<'_>, statements: &[String]) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    run(manager, statements).await
}

/// The row trigger on changes to searched text, calling `function`.
fn trigger(function: &str) -> [String; 2] {
    [
        "DROP TRIGGER IF EXISTS messages_search ON messages".to_owned(),
        format!(
            "CREATE TRIGGER messages_search BEFORE UPDATE OF {SEARCHED}, html_body \
             ON messages FOR EACH ROW EXECUTE FUNCTION {function}()"
        ),
    ]
}
