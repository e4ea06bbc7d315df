//! Senders whose remote images a user always wants shown (**Always show images from this
//! sender**): one row per user and lower-cased address; a user's rows go with the user.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImageSenders::Table)
                    .col(big_integer(ImageSenders::UserId))
                    .col(string(ImageSenders::Address))
                    .col(timestamp_with_time_zone(ImageSenders::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(ImageSenders::UserId)
                            .col(ImageSenders::Address),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ImageSenders::Table, ImageSenders::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImageSenders::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ImageSenders {
    Table,
    UserId,
    Address,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
