//! The full-text index is filled after the rows are stored, not inside the sync's insert.
//! Inserting a message row only puts its id on `message_search_queue`; the indexer
//! (`mail_view::search_index`) indexes queued rows in batches, in the background and
//! before every search, so search sees every stored message.
//!
//! Indexing inside the insert (FTS5 with prefix indexes; PostgreSQL's tsvector and GIN
//! entry) was most of what storing a message cost: an initial sync wrote its rows at a
//! fraction of the wire's pace.
//!
//! - SQLite: a change to a searched column takes the row's entry out of the index at once
//!   (a search never shows a message where it no longer is) and queues the row again; a
//!   delete takes it out of the index and the queue (rowids can be used again).
//! - PostgreSQL: an UPDATE still refreshes the row's vector in its BEFORE trigger (single
//!   rows: a body, a move); only INSERTs are queued, by a statement trigger. Ids are never
//!   used again, so a deleted message's queue entry just finds no row.

use super::m20261130_000050_message_search::{SEARCHED, sqlite_insert_delete, sqlite_triggers};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, TransactionTrait};

/// SQLite's trigger step that queues the row `new` for the index.
pub(crate) const SQLITE_QUEUE: &str =
    "INSERT OR IGNORE INTO message_search_queue(id) VALUES (new.id)";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Sqlite => {}
            DbBackend::Postgres => return run(manager, &postgres_up()).await,
            _ => return Ok(()),
        }
        let (_, delete) = sqlite_insert_delete("new");
        let queue = SQLITE_QUEUE;
        run(
            manager,
            &[
                "CREATE TABLE message_search_queue (id INTEGER PRIMARY KEY NOT NULL)".to_owned(),
                "DROP TRIGGER IF EXISTS messages_search_insert".to_owned(),
                "DROP TRIGGER IF EXISTS messages_search_update".to_owned(),
                "DROP TRIGGER IF EXISTS messages_search_delete".to_owned(),
                format!(
                    "CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN \
                     {queue}; END"
                ),
                format!(
                    "CREATE TRIGGER messages_search_update AFTER UPDATE OF {SEARCHED}, \
                     mailbox_id, folder_id, received_at ON messages BEGIN {delete}; {queue}; END"
                ),
                format!(
                    "CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN \
                     {delete}; DELETE FROM message_search_queue WHERE id = old.id; END"
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Sqlite => {}
            DbBackend::Postgres => return run(manager, &postgres_down()).await,
            _ => return Ok(()),
        }
        // Back to indexing inside the triggers: what is still queued is indexed first.
        let (index, _) = sqlite_insert_delete("m");
        let mut statements = vec![
            format!(
                "{index} FROM messages AS m WHERE m.id IN (SELECT id FROM message_search_queue)"
            ),
            "DROP TRIGGER IF EXISTS messages_search_insert".to_owned(),
            "DROP TRIGGER IF EXISTS messages_search_update".to_owned(),
            "DROP TRIGGER IF EXISTS messages_search_delete".to_owned(),
            "DROP TABLE message_search_queue".to_owned(),
        ];
        statements.extend(sqlite_triggers());
        run(manager, &statements).await
    }
}

/// The vector of the `messages` row `m`, as the BEFORE trigger computes it.
pub(crate) const POSTGRES_VECTOR: &str = "message_search_vector(m.from_name, m.from_address, \
     m.to_list, m.cc_list, m.subject, m.text_body, m.html_body)";

fn postgres_up() -> Vec<String> {
    vec![
        "CREATE TABLE message_search_queue (id BIGINT PRIMARY KEY)".to_owned(),
        "DROP TRIGGER IF EXISTS messages_search ON messages".to_owned(),
        format!(
            "CREATE TRIGGER messages_search BEFORE UPDATE OF {SEARCHED}, html_body \
             ON messages FOR EACH ROW EXECUTE FUNCTION messages_search_refresh()"
        ),
        "CREATE FUNCTION messages_search_enqueue() RETURNS trigger LANGUAGE plpgsql AS $fn$ \
         BEGIN \
         INSERT INTO message_search_queue(id) SELECT id FROM inserted ON CONFLICT DO NOTHING; \
         RETURN NULL; \
         END $fn$"
            .to_owned(),
        "CREATE TRIGGER messages_search_queue AFTER INSERT ON messages \
         REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT \
         EXECUTE FUNCTION messages_search_enqueue()"
            .to_owned(),
    ]
}

fn postgres_down() -> Vec<String> {
    vec![
        format!(
            "UPDATE messages AS m SET search = {POSTGRES_VECTOR} \
             WHERE m.id IN (SELECT id FROM message_search_queue)"
        ),
        "DROP TRIGGER IF EXISTS messages_search_queue ON messages".to_owned(),
        "DROP FUNCTION IF EXISTS messages_search_enqueue()".to_owned(),
        "DROP TABLE message_search_queue".to_owned(),
        "DROP TRIGGER IF EXISTS messages_search ON messages".to_owned(),
        format!(
            "CREATE TRIGGER messages_search BEFORE INSERT OR UPDATE OF {SEARCHED}, html_body \
             ON messages FOR EACH ROW EXECUTE FUNCTION messages_search_refresh()"
        ),
    ]
}

/// All on one connection, in one transaction: a trigger dropped and created again by the
/// same name must not meet a pooled connection whose schema still has the old one.
pub(crate) async fn run(manager: &SchemaManager<'_>, statements: &[String]) -> Result<(), DbErr> {
    let txn = manager.get_connection().begin().await?;
    for sql in statements {
        txn.execute_unprepared(sql).await?;
    }
    txn.commit().await
}
