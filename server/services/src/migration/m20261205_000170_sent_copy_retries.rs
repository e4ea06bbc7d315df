//! Sending: a copy in Sent that failed when its message went out (the IMAP server
//! unreachable then, say) is filed again later by the send worker, with back-off:
//! `copy_due_at` is when the next try is due (none: nothing to try), `copy_attempts` how
//! many tries failed (`sending::sent_copies`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Drafts::Table)
                    .add_column(integer(Drafts::CopyAttempts).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Drafts::Table)
                    .add_column(timestamp_with_time_zone_null(Drafts::CopyDueAt))
                    .to_owned(),
            )
            .await?;
        // Copies that failed before this change are tried again from now on (the value
        // bound by the driver, stored as the entity stores its times).
        let backfill = Query::update()
            .table(Drafts::Table)
            .value(Drafts::CopyDueAt, chrono::Utc::now())
            .and_where(Expr::col(Drafts::State).eq("sent"))
            .and_where(Expr::col(Drafts::SentCopy).eq("failed"))
            .to_owned();
        manager.get_connection().execute(&backfill).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Drafts::CopyDueAt, Drafts::CopyAttempts] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Drafts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Drafts {
    Table,
    State,
    SentCopy,
    CopyAttempts,
    CopyDueAt,
}
