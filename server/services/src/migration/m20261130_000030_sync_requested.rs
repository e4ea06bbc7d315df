//! When a user last asked for a run (**Sync now**, **Re-sync from date**): the per-mailbox
//! cooldown is one conditional UPDATE on it, so it holds across server processes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Mailboxes::Table)
                    .add_column(timestamp_with_time_zone_null(Mailboxes::SyncRequestedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Mailboxes::Table)
                    .drop_column(Mailboxes::SyncRequestedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Mailboxes {
    Table,
    SyncRequestedAt,
}
