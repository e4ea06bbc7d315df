//! Write-backs: `copy_sent` records that a move without MOVE sent its UID COPY, before
//! the server's answer. An attempt cut between the two (the COPY went through, its OK was
//! lost) leaves it set and `copied` unset; the next attempt looks for the messages in the
//! target folder by Message-ID before copying again (`mail_actions::batch`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MessageActions::Table)
                    .add_column(boolean(MessageActions::CopySent).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MessageActions::Table)
                    .drop_column(MessageActions::CopySent)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum MessageActions {
    Table,
    CopySent,
}
