//! The minimal CRM and its links to mail: companies (and the domains that say a message
//! belongs to one), contacts (and their addresses), leads and deals (one table, `kind`),
//! and links from messages to records. Addresses and domains are unique per workspace, and
//! a lead created from mail is unique per (workspace, address): records created from mail
//! by several processes at once can never be created twice. Messages note whether they
//! are machine mail (`automated`) and whether the automatic rules have seen them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CrmCompanies::Table)
                    .col(big_integer(CrmCompanies::Id).primary_key().auto_increment())
                    .col(big_integer(CrmCompanies::WorkspaceId))
                    .col(string(CrmCompanies::Name))
                    .col(big_integer_null(CrmCompanies::OwnerId))
                    .col(boolean(CrmCompanies::FromMail).default(false))
                    .col(timestamp_with_time_zone(CrmCompanies::CreatedAt))
                    .col(timestamp_with_time_zone(CrmCompanies::UpdatedAt))
                    .foreign_key(&mut workspace_fk(
                        CrmCompanies::Table,
                        CrmCompanies::WorkspaceId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CrmCompanyDomains::Table)
                    .col(big_integer(CrmCompanyDomains::WorkspaceId))
                    .col(string(CrmCompanyDomains::Domain))
                    .col(big_integer(CrmCompanyDomains::CompanyId))
                    .primary_key(
                        Index::create()
                            .col(CrmCompanyDomains::WorkspaceId)
                            .col(CrmCompanyDomains::Domain),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CrmCompanyDomains::Table, CrmCompanyDomains::CompanyId)
                            .to(CrmCompanies::Table, CrmCompanies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CrmContacts::Table)
                    .col(big_integer(CrmContacts::Id).primary_key().auto_increment())
                    .col(big_integer(CrmContacts::WorkspaceId))
                    .col(string(CrmContacts::Name))
                    .col(text(CrmContacts::Phones).default(""))
                    .col(big_integer_null(CrmContacts::CompanyId))
                    .col(big_integer_null(CrmContacts::OwnerId))
                    .col(boolean(CrmContacts::FromMail).default(false))
                    .col(timestamp_with_time_zone(CrmContacts::CreatedAt))
                    .col(timestamp_with_time_zone(CrmContacts::UpdatedAt))
                    .foreign_key(&mut workspace_fk(
                        CrmContacts::Table,
                        CrmContacts::WorkspaceId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CrmContacts::Table, CrmContacts::CompanyId)
                            .to(CrmCompanies::Table, CrmCompanies::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CrmContactEmails::Table)
                    .col(big_integer(CrmContactEmails::WorkspaceId))
                    .col(string(CrmContactEmails::Email))
                    .col(big_integer(CrmContactEmails::ContactId))
                    .primary_key(
                        Index::create()
                            .col(CrmContactEmails::WorkspaceId)
                            .col(CrmContactEmails::Email),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CrmContactEmails::Table, CrmContactEmails::ContactId)
                            .to(CrmContacts::Table, CrmContacts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CrmDeals::Table)
                    .col(big_integer(CrmDeals::Id).primary_key().auto_increment())
                    .col(big_integer(CrmDeals::WorkspaceId))
                    .col(string(CrmDeals::Kind))
                    .col(string(CrmDeals::Title))
                    .col(string(CrmDeals::Stage))
                    .col(big_integer_null(CrmDeals::OwnerId))
                    .col(big_integer_null(CrmDeals::Amount))
                    .col(big_integer_null(CrmDeals::ContactId))
                    .col(big_integer_null(CrmDeals::CompanyId))
                    .col(string_null(CrmDeals::FromAddress))
                    .col(timestamp_with_time_zone(CrmDeals::CreatedAt))
                    .col(timestamp_with_time_zone(CrmDeals::UpdatedAt))
                    .foreign_key(&mut workspace_fk(CrmDeals::Table, CrmDeals::WorkspaceId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CrmDeals::Table, CrmDeals::ContactId)
                            .to(CrmContacts::Table, CrmContacts::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CrmDeals::Table, CrmDeals::CompanyId)
                            .to(CrmCompanies::Table, CrmCompanies::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // A lead made from mail: one per address and workspace, whoever makes it.
        manager
            .create_index(
                Index::create()
                    .name("crm_deals_from_address")
                    .table(CrmDeals::Table)
                    .col(CrmDeals::WorkspaceId)
                    .col(CrmDeals::Kind)
                    .col(CrmDeals::FromAddress)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CrmLinks::Table)
                    .col(big_integer(CrmLinks::Id).primary_key().auto_increment())
                    .col(big_integer(CrmLinks::WorkspaceId))
                    .col(big_integer(CrmLinks::MessageId))
                    .col(string(CrmLinks::RecordKind))
                    .col(big_integer(CrmLinks::RecordId))
                    .col(boolean(CrmLinks::Manual))
                    .col(big_integer_null(CrmLinks::CreatedBy))
                    .col(timestamp_with_time_zone(CrmLinks::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CrmLinks::Table, CrmLinks::MessageId)
                            .to(Messages::Table, Messages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("crm_links_once")
                    .table(CrmLinks::Table)
                    .col(CrmLinks::MessageId)
                    .col(CrmLinks::RecordKind)
                    .col(CrmLinks::RecordId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("crm_links_record")
                    .table(CrmLinks::Table)
                    .col(CrmLinks::RecordKind)
                    .col(CrmLinks::RecordId)
                    .to_owned(),
            )
            .await?;
        for column in [Messages::Automated, Messages::CrmChecked] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Messages::Table)
                        .add_column(boolean(column).default(false))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("messages_crm_pending")
                    .table(Messages::Table)
                    .col(Messages::MailboxId)
                    .col(Messages::CrmChecked)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("messages_crm_pending")
                    .table(Messages::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Messages::Automated, Messages::CrmChecked] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Messages::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            CrmLinks::Table.into_iden(),
            CrmDeals::Table.into_iden(),
            CrmContactEmails::Table.into_iden(),
            CrmContacts::Table.into_iden(),
            CrmCompanyDomains::Table.into_iden(),
            CrmCompanies::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

fn workspace_fk<T: IntoIden + Copy + 'static, C: IntoIden + Copy + 'static>(
    table: T,
    column: C,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Workspaces::Table, Workspaces::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[derive(DeriveIden, Clone, Copy)]
enum CrmCompanies {
    Table,
    Id,
    WorkspaceId,
    Name,
    OwnerId,
    FromMail,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CrmCompanyDomains {
    Table,
    WorkspaceId,
    Domain,
    CompanyId,
}

#[derive(DeriveIden, Clone, Copy)]
enum CrmContacts {
    Table,
    Id,
    WorkspaceId,
    Name,
    Phones,
    CompanyId,
    OwnerId,
    FromMail,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CrmContactEmails {
    Table,
    WorkspaceId,
    Email,
    ContactId,
}

#[derive(DeriveIden, Clone, Copy)]
enum CrmDeals {
    Table,
    Id,
    WorkspaceId,
    Kind,
    Title,
    Stage,
    OwnerId,
    Amount,
    ContactId,
    CompanyId,
    FromAddress,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CrmLinks {
    Table,
    Id,
    WorkspaceId,
    MessageId,
    RecordKind,
    RecordId,
    Manual,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Messages {
    Table,
    Id,
    MailboxId,
    Automated,
    CrmChecked,
}

#[derive(DeriveIden, Clone, Copy)]
enum Workspaces {
    Table,
    Id,
}
