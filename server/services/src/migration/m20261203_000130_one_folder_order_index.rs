//! The message list's folder order had two indexes: `idx_messages_folder_received`
//! (folder, received_at), from the first messages table, and `idx_messages_folder_keyset`
//! (folder, received_at, id), added for keyset paging. The second answers every query the
//! first did (same leading columns), and on SQLite they are the same index (every SQLite
//! index ends with the rowid, here `id`). Every message stored updated both: the first
//! one goes.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "idx_messages_folder_received";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(Messages::Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(Messages::Table)
                    .col(Messages::FolderId)
                    .col(Messages::ReceivedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    FolderId,
    ReceivedAt,
}
