//! Synced mail: per-folder IMAP state and progress on `mailbox_folders`, one `messages` row
//! per (folder, UIDVALIDITY, UID), and a one-shot "re-sync from" date on `mailboxes`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for column in [
            big_integer_null(MailboxFolders::Uidvalidity),
            big_integer_null(MailboxFolders::Uidnext),
            big_integer_null(MailboxFolders::HighestModseq),
            integer_null(MailboxFolders::ServerExists),
            string_null(MailboxFolders::SyncedRange),
            integer(MailboxFolders::InRange).default(0).to_owned(),
            integer(MailboxFolders::HeadersDone).default(0).to_owned(),
            integer(MailboxFolders::BodiesDone).default(0).to_owned(),
            string_null(MailboxFolders::Phase),
            text_null(MailboxFolders::LastError),
        ] {
            alter_add(manager, MailboxFolders::Table, column).await?;
        }
        alter_add(
            manager,
            Mailboxes::Table,
            timestamp_with_time_zone_null(Mailboxes::ResyncFrom),
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Messages::Table)
                    .col(big_integer(Messages::Id).primary_key().auto_increment())
                    .col(big_integer(Messages::MailboxId))
                    .col(big_integer(Messages::FolderId))
                    .col(big_integer(Messages::Uidvalidity))
                    .col(big_integer(Messages::Uid))
                    .col(text_null(Messages::MessageId))
                    .col(text(Messages::ThreadId))
                    .col(text_null(Messages::InReplyTo))
                    .col(text(Messages::References))
                    .col(text(Messages::Subject))
                    .col(text(Messages::FromName))
                    .col(text(Messages::FromAddress))
                    .col(text(Messages::ToList))
                    .col(text(Messages::CcList))
                    .col(timestamp_with_time_zone_null(Messages::SentAt))
                    .col(timestamp_with_time_zone(Messages::ReceivedAt))
                    .col(big_integer(Messages::Size))
                    .col(boolean(Messages::Seen))
                    .col(boolean(Messages::Flagged))
                    .col(boolean(Messages::Answered))
                    .col(boolean(Messages::Draft))
                    .col(text(Messages::BodyState))
                    .col(text_null(Messages::TextBody))
                    .col(text_null(Messages::HtmlBody))
                    .col(text(Messages::Snippet))
                    .col(text(Messages::Attachments))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Messages::Table, Messages::FolderId)
                            .to(MailboxFolders::Table, MailboxFolders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Messages::Table, Messages::MailboxId)
                            .to(Mailboxes::Table, Mailboxes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The identity of a message on the server: never two rows for one.
        index(manager, "idx_messages_folder_uid", true, |i| {
            i.col(Messages::FolderId)
                .col(Messages::Uidvalidity)
                .col(Messages::Uid)
        })
        .await?;
        // The message list: a folder, newest first.
        index(manager, "idx_messages_folder_received", false, |i| {
            i.col(Messages::FolderId).col(Messages::ReceivedAt)
        })
        .await?;
        index(manager, "idx_messages_mailbox_thread", false, |i| {
            i.col(Messages::MailboxId).col(Messages::ThreadId)
        })
        .await?;
        index(manager, "idx_messages_mailbox_message_id", false, |i| {
            i.col(Messages::MailboxId).col(Messages::MessageId)
        })
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Messages::Table).to_owned())
            .await
    }
}

async fn alter_add(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: ColumnDef,
) -> Result<(), DbErr> {
    let mut column = column;
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(&mut column)
                .to_owned(),
        )
        .await
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    unique: bool,
    cols: impl FnOnce(&mut IndexCreateStatement) -> &mut IndexCreateStatement,
) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(name).table(Messages::Table);
    if unique {
        stmt.unique();
    }
    cols(&mut stmt);
    manager.create_index(stmt.to_owned()).await
}

#[derive(DeriveIden)]
enum Mailboxes {
    Table,
    Id,
    ResyncFrom,
}

#[derive(DeriveIden)]
enum MailboxFolders {
    Table,
    Id,
    Uidvalidity,
    Uidnext,
    HighestModseq,
    ServerExists,
    SyncedRange,
    InRange,
    HeadersDone,
    BodiesDone,
    Phase,
    LastError,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    MailboxId,
    FolderId,
    Uidvalidity,
    Uid,
    MessageId,
    ThreadId,
    InReplyTo,
    References,
    Subject,
    FromName,
    FromAddress,
    ToList,
    CcList,
    SentAt,
    ReceivedAt,
    Size,
    Seen,
    Flagged,
    Answered,
    Draft,
    BodyState,
    TextBody,
    HtmlBody,
    Snippet,
    Attachments,
}
