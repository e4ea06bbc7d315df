//! Reading mail: each message keeps its Reply-To (a JSON list like `to_list`), and the
//! message list pages by keyset — (folder, received_at, id) newest first, and the
//! mailbox-wide order for **All inboxes** — so page 2,000 costs what page 1 costs.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .add_column(text(Messages::ReplyTo).default("[]"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_messages_folder_keyset")
                    .table(Messages::Table)
                    .col(Messages::FolderId)
                    .col(Messages::ReceivedAt)
                    .col(Messages::Id)
                    .to_owned(),
            )
            .await?;
        // Unread counts per folder without touching the rows.
        manager
            .create_index(
                Index::create()
                    .name("idx_messages_folder_seen")
                    .table(Messages::Table)
                    .col(Messages::FolderId)
                    .col(Messages::Seen)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_messages_folder_keyset", "idx_messages_folder_seen"] {
            manager
                .drop_index(Index::drop().name(name).table(Messages::Table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .drop_column(Messages::ReplyTo)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    ReplyTo,
    FolderId,
    ReceivedAt,
    Id,
    Seen,
}
