//! The scheduler asks, after each look, when the next mailbox falls due or the next
//! lease lapses (`sync::schedule::next_due`). Its earlier query worked each mailbox's time out
//! of both columns in one expression, which no index answers: every look read every mailbox (10,000
//! rows, every 5 ms while mail falls due). It now reads the first row of two indexes: the
//! due time's (`idx_mailboxes_next_sync_at`) and this one on the lease's end, where only
//! mailboxes being synced have a value.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "idx_mailboxes_lease_until";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Partial (SQLite and PostgreSQL alike): the rows without a lease, nearly all of
        // them, stay out of it, so its first row is the earliest lease at once.
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX {NAME} ON mailboxes (lease_until) WHERE lease_until IS NOT NULL"
            ))
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&format!("DROP INDEX {NAME}"))
            .await
            .map(|_| ())
    }
}
