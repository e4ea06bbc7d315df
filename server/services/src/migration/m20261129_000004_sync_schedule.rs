//! The scheduler's state on each mailbox: who holds the sync lease and until when, and how
//! the last runs went (for back-off and the "needs reconnect" prompt).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for column in [
            string_null(Mailboxes::LeaseOwner),
            timestamp_with_time_zone_null(Mailboxes::LeaseUntil),
            integer(Mailboxes::SyncFailures).default(0).to_owned(),
            text_null(Mailboxes::LastError),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Mailboxes::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_mailboxes_next_sync_at")
                    .table(Mailboxes::Table)
                    .col(Mailboxes::NextSyncAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Mailboxes::LeaseOwner,
            Mailboxes::LeaseUntil,
            Mailboxes::SyncFailures,
            Mailboxes::LastError,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Mailboxes::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Mailboxes {
    Table,
    NextSyncAt,
    LeaseOwner,
    LeaseUntil,
    SyncFailures,
    LastError,
}
