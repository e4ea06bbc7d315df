//! Write-backs: a move on a server without MOVE is UID COPY then the removal from the
//! folder it left. `copied` records that an attempt's COPY went through, so that an
//! attempt broken after it (a dropped connection, a timeout) is retried with the removal
//! only: a second COPY would leave the message twice in the target folder
//! (`mail_actions::batch`).

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
                    .add_column(boolean(MessageActions::Copied).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MessageActions::Table)
                    .drop_column(MessageActions::Copied)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum MessageActions {
    Table,
    Copied,
}
