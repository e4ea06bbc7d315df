//! Connected mailboxes, their folders, shared-access grants, and verified connection
//! drafts (what the wizard holds between a successful login check and **Connect**).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Mailboxes::Table)
                    .col(big_integer(Mailboxes::Id).primary_key().auto_increment())
                    .col(big_integer(Mailboxes::WorkspaceId))
                    .col(big_integer(Mailboxes::OwnerId))
                    .col(string(Mailboxes::Provider))
                    .col(string(Mailboxes::Email))
                    .col(string(Mailboxes::MailboxName))
                    .col(string(Mailboxes::SenderName))
                    .col(string(Mailboxes::ImapHost))
                    .col(integer(Mailboxes::ImapPort))
                    .col(string(Mailboxes::ImapSecurity))
                    .col(string(Mailboxes::SmtpHost))
                    .col(integer(Mailboxes::SmtpPort))
                    .col(string(Mailboxes::SmtpSecurity))
                    .col(string(Mailboxes::ImapUsername))
                    .col(text(Mailboxes::ImapSecret))
                    .col(string(Mailboxes::SmtpUsername))
                    .col(text(Mailboxes::SmtpSecret))
                    .col(string(Mailboxes::Access))
                    .col(string(Mailboxes::CrmMode))
                    .col(string(Mailboxes::CrmCreate))
                    .col(string(Mailboxes::Period))
                    .col(string(Mailboxes::Status))
                    .col(timestamp_with_time_zone_null(Mailboxes::LastSyncAt))
                    .col(timestamp_with_time_zone_null(Mailboxes::NextSyncAt))
                    .col(timestamp_with_time_zone(Mailboxes::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Mailboxes::Table, Mailboxes::OwnerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Mailboxes::Table, Mailboxes::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One user connects one address once; another user may connect it as their own copy.
        manager
            .create_index(
                Index::create()
                    .name("idx_mailboxes_owner_email")
                    .table(Mailboxes::Table)
                    .col(Mailboxes::OwnerId)
                    .col(Mailboxes::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MailboxFolders::Table)
                    .col(
                        big_integer(MailboxFolders::Id)
                            .primary_key()
                            .auto_increment(),
                    )
                    .col(big_integer(MailboxFolders::MailboxId))
                    .col(string(MailboxFolders::Name))
                    .col(string(MailboxFolders::DisplayName))
                    .col(integer(MailboxFolders::Depth))
                    .col(string_null(MailboxFolders::SpecialUse))
                    .col(boolean(MailboxFolders::Selected))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MailboxFolders::Table, MailboxFolders::MailboxId)
                            .to(Mailboxes::Table, Mailboxes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mailbox_folders_name")
                    .table(MailboxFolders::Table)
                    .col(MailboxFolders::MailboxId)
                    .col(MailboxFolders::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MailboxGrants::Table)
                    .col(big_integer(MailboxGrants::MailboxId))
                    .col(big_integer(MailboxGrants::UserId))
                    .primary_key(
                        Index::create()
                            .col(MailboxGrants::MailboxId)
                            .col(MailboxGrants::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MailboxGrants::Table, MailboxGrants::MailboxId)
                            .to(Mailboxes::Table, Mailboxes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MailboxGrants::Table, MailboxGrants::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mailbox_grants_user")
                    .table(MailboxGrants::Table)
                    .col(MailboxGrants::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConnectionDrafts::Table)
                    .col(string(ConnectionDrafts::Id).primary_key())
                    .col(big_integer(ConnectionDrafts::UserId))
                    .col(text(ConnectionDrafts::Data))
                    .col(timestamp_with_time_zone(ConnectionDrafts::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConnectionDrafts::Table, ConnectionDrafts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ConnectionDrafts::Table.into_iden(),
            MailboxGrants::Table.into_iden(),
            MailboxFolders::Table.into_iden(),
            Mailboxes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Mailboxes {
    Table,
    Id,
    WorkspaceId,
    OwnerId,
    Provider,
    Email,
    MailboxName,
    SenderName,
    ImapHost,
    ImapPort,
    ImapSecurity,
    SmtpHost,
    SmtpPort,
    SmtpSecurity,
    ImapUsername,
    ImapSecret,
    SmtpUsername,
    SmtpSecret,
    Access,
    CrmMode,
    CrmCreate,
    Period,
    Status,
    LastSyncAt,
    NextSyncAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MailboxFolders {
    Table,
    Id,
    MailboxId,
    Name,
    DisplayName,
    Depth,
    SpecialUse,
    Selected,
}

#[derive(DeriveIden)]
enum MailboxGrants {
    Table,
    MailboxId,
    UserId,
}

#[derive(DeriveIden)]
enum ConnectionDrafts {
    Table,
    Id,
    UserId,
    Data,
    ExpiresAt,
}
