//! OAuth2 sign-in (Microsoft 365, Google): how each mailbox logs in (`mailboxes.auth`),
//! its grant (refresh and access tokens sealed, the access token's expiry, and a lease so
//! one process at a time refreshes it), and the sign-in flows under way (a hashed,
//! single-use `state` bound to the user and the session, the sealed PKCE verifier).

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
                    .add_column(string(Mailboxes::Auth).default("password"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OauthGrants::Table)
                    .col(big_integer(OauthGrants::MailboxId).primary_key())
                    .col(string(OauthGrants::Provider))
                    .col(text(OauthGrants::RefreshSecret))
                    .col(text(OauthGrants::AccessSecret))
                    .col(timestamp_with_time_zone(OauthGrants::AccessExpiresAt))
                    .col(string_null(OauthGrants::RefreshOwner))
                    .col(timestamp_with_time_zone_null(OauthGrants::RefreshUntil))
                    .col(integer(OauthGrants::Refreshes).default(0))
                    .col(timestamp_with_time_zone(OauthGrants::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OauthGrants::Table, OauthGrants::MailboxId)
                            .to(Mailboxes::Table, Mailboxes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OauthFlows::Table)
                    .col(string(OauthFlows::StateHash).primary_key())
                    .col(big_integer(OauthFlows::UserId))
                    .col(string(OauthFlows::SessionHash))
                    .col(string(OauthFlows::Provider))
                    .col(big_integer_null(OauthFlows::MailboxId))
                    .col(text(OauthFlows::VerifierSecret))
                    .col(timestamp_with_time_zone(OauthFlows::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OauthFlows::Table, OauthFlows::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OauthFlows::Table.into_iden(),
            OauthGrants::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Mailboxes::Table)
                    .drop_column(Mailboxes::Auth)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Mailboxes {
    Table,
    Id,
    Auth,
}

#[derive(DeriveIden)]
enum OauthGrants {
    Table,
    MailboxId,
    Provider,
    RefreshSecret,
    AccessSecret,
    AccessExpiresAt,
    RefreshOwner,
    RefreshUntil,
    Refreshes,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OauthFlows {
    Table,
    StateHash,
    UserId,
    SessionHash,
    Provider,
    MailboxId,
    VerifierSecret,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
