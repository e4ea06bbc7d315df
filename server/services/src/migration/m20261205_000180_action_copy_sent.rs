//! Write-backs: a move without MOVE records its UID COPY before the command goes out:
//! `copy_sent`, and the target folder's UIDVALIDITY and UIDNEXT just before it (when the
//! server told them). An attempt cut between the command and its answer (the COPY went
//! through or not) leaves `copy_sent` without `copied`; the next attempt looks for the
//! messages among the target's UIDs from that UIDNEXT on, by Message-ID, before copying
//! again (`mail_actions::copy_doubt`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        let columns = [
            boolean(MessageActions::CopySent).default(false).to_owned(),
            big_integer_null(MessageActions::CopyUidvalidity),
            big_integer_null(MessageActions::CopyUidnext),
        ];
        for column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(MessageActions::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            MessageActions::CopyUidnext,
            MessageActions::CopyUidvalidity,
            MessageActions::CopySent,
        ];
        for column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(MessageActions::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum MessageActions {
    Table,
    CopySent,
    CopyUidvalidity,
    CopyUidnext,
}
