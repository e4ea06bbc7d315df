//! The storage quota (`SYNC_MAILBOX_QUOTA_MB`): each message row records the bytes its
//! stored bodies take, so a mailbox's use is one indexed sum and pushing a body out frees
//! a known amount.

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
                    .add_column(big_integer(Messages::BodyBytes).default(0))
                    .to_owned(),
            )
            .await?;
        // Bodies stored before this change count by their characters (close enough).
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE messages SET body_bytes = \
                 COALESCE(LENGTH(text_body), 0) + COALESCE(LENGTH(html_body), 0) \
                 WHERE text_body IS NOT NULL OR html_body IS NOT NULL",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_messages_mailbox_received")
                    .table(Messages::Table)
                    .col(Messages::MailboxId)
                    .col(Messages::ReceivedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_messages_mailbox_received")
                    .table(Messages::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .drop_column(Messages::BodyBytes)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    BodyBytes,
    MailboxId,
    ReceivedAt,
}
