//! Sending: how many times in a row a draft's claim was taken over from an attempt that
//! ended without an outcome (its process killed or crashed, or the attempt panicked).
//! Past a few, the draft stops where it stands instead of being tried again every lease
//! (`sending::attempt::given_up`). Kept apart from `attempts`, the budget of transient
//! failures, so that an interruption never uses up a retry nor a retry an interruption.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Drafts::Table)
                    .add_column(integer(Drafts::Takeovers).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Drafts::Table)
                    .drop_column(Drafts::Takeovers)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Drafts {
    Table,
    Takeovers,
}
