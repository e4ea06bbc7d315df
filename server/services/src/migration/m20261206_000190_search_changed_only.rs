//! A row leaves the full-text index and is queued again only when what is indexed of it
//! changes, not whenever an UPDATE names one of those columns. A Re-sync writes every body
//! again, mostly the very text already stored: each such write took the row out of the
//! index (on SQLite, FTS5 work inside the sync's statement: most of a 10k Re-sync's 2.2 s of
//! CPU) and made the indexer do it all again (docs/benchmarks.md, thirty-ninth round).
//!
//! The triggers are those of `m20261201_000110_search_queue` (SQLite) and
//! `m20261202_000120_search_queue_updates` (PostgreSQL) with a `WHEN` clause.

use super::{
    m20261130_000050_message_search::{SEARCHED, sqlite_insert_delete},
    m20261201_000110_search_queue::{SQLITE_QUEUE, run},
};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite's index holds the searched columns and the row's place (mailbox, folder) and
/// list position (arrival); PostgreSQL's vector the searched columns and the HTML (the
/// body when there is no text).
const SQLITE_INDEXED: &str = "mailbox_id, folder_id, received_at";
const POSTGRES_INDEXED: &str = "html_body";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        triggers(manager, true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        triggers(manager, false).await
    }
}

async fn triggers(manager: &SchemaManager<'_>, changed_only: bool) -> Result<(), DbErr> {
    let statements = match manager.get_database_backend() {
        DbBackend::Sqlite => {
            let columns = format!("{SEARCHED}, {SQLITE_INDEXED}");
            let when = if changed_only {
                format!("WHEN {} ", changed(&columns, "old", "IS NOT", "new"))
            } else {
                String::new()
            };
            let (_, delete) = sqlite_insert_delete("new");
            vec![
                "DROP TRIGGER IF EXISTS messages_search_update".to_owned(),
                format!(
                    "CREATE TRIGGER messages_search_update AFTER UPDATE OF {columns} ON messages \
                     {when}BEGIN {delete}; {SQLITE_QUEUE}; END"
                ),
            ]
        }
        DbBackend::Postgres => {
            let columns = format!("{SEARCHED}, {POSTGRES_INDEXED}");
            let when = if changed_only {
                format!(
                    "WHEN ({}) ",
                    changed(&columns, "OLD", "IS DISTINCT FROM", "NEW")
                )
            } else {
                String::new()
            };
            vec![
                "DROP TRIGGER IF EXISTS messages_search ON messages".to_owned(),
                format!(
                    "CREATE TRIGGER messages_search BEFORE UPDATE OF {columns} ON messages \
                     FOR EACH ROW {when}EXECUTE FUNCTION messages_search_requeue()"
                ),
            ]
        }
        _ => return Ok(()),
    };
    run(manager, &statements).await
}

/// `old.c <differs> new.c OR …` for each of `columns`.
fn changed(columns: &str, old: &str, differs: &str, new: &str) -> String {
    columns
        .split(',')
        .map(str::trim)
        .map(|c| format!("{old}.{c} {differs} {new}.{c}"))
        .collect::<Vec<_>>()
        .join(" OR ")
}
