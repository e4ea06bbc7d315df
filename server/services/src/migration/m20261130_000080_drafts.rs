//! Writing mail: drafts (what a user is writing, and its way out: queued for the undo-send
//! delay, being sent, sent, failed), their attachments kept in chunks (streamed in and
//! out, never one large value), a signature per mailbox and each user's undo-send delay.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Drafts::Table)
                    .col(big_integer(Drafts::Id).primary_key().auto_increment())
                    .col(big_integer(Drafts::WorkspaceId))
                    .col(big_integer(Drafts::AuthorId))
                    .col(big_integer(Drafts::MailboxId))
                    .col(string(Drafts::Kind))
                    .col(big_integer_null(Drafts::SourceMessageId))
                    .col(string_uniq(Drafts::MessageId))
                    .col(text_null(Drafts::InReplyTo))
                    .col(text(Drafts::References).default(""))
                    .col(text(Drafts::ToAddrs).default(""))
                    .col(text(Drafts::CcAddrs).default(""))
                    .col(text(Drafts::BccAddrs).default(""))
                    .col(text(Drafts::Subject).default(""))
                    .col(text(Drafts::Body).default(""))
                    .col(string(Drafts::State))
                    .col(timestamp_with_time_zone_null(Drafts::SendAt))
                    .col(string_null(Drafts::Phase))
                    .col(string_null(Drafts::LeaseOwner))
                    .col(timestamp_with_time_zone_null(Drafts::LeaseUntil))
                    .col(integer(Drafts::Attempts).default(0))
                    .col(text_null(Drafts::Failure))
                    .col(string(Drafts::SentCopy).default("none"))
                    .col(big_integer_null(Drafts::ServerUid))
                    .col(big_integer_null(Drafts::ServerUidvalidity))
                    .col(boolean(Drafts::ServerDirty).default(false))
                    .col(big_integer(Drafts::Revision).default(0))
                    .col(timestamp_with_time_zone(Drafts::CreatedAt))
                    .col(timestamp_with_time_zone(Drafts::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Drafts::SentAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Drafts::Table, Drafts::MailboxId)
                            .to(Mailboxes::Table, Mailboxes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Drafts::Table, Drafts::AuthorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            // A user's drafts, newest first.
            (
                "idx_drafts_author",
                vec![Drafts::AuthorId, Drafts::UpdatedAt],
            ),
            // The send worker: what is due.
            ("idx_drafts_due", vec![Drafts::State, Drafts::SendAt]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Drafts::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(DraftAttachments::Table)
                    .col(
                        big_integer(DraftAttachments::Id)
                            .primary_key()
                            .auto_increment(),
                    )
                    .col(big_integer(DraftAttachments::DraftId))
                    .col(text(DraftAttachments::Name))
                    .col(string(DraftAttachments::ContentType))
                    .col(big_integer(DraftAttachments::Size).default(0))
                    .col(boolean(DraftAttachments::Complete).default(false))
                    .col(timestamp_with_time_zone(DraftAttachments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DraftAttachments::Table, DraftAttachments::DraftId)
                            .to(Drafts::Table, Drafts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_draft_attachments_draft")
                    .table(DraftAttachments::Table)
                    .col(DraftAttachments::DraftId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DraftAttachmentChunks::Table)
                    .col(big_integer(DraftAttachmentChunks::AttachmentId))
                    .col(integer(DraftAttachmentChunks::Seq))
                    .col(blob(DraftAttachmentChunks::Data))
                    .primary_key(
                        Index::create()
                            .col(DraftAttachmentChunks::AttachmentId)
                            .col(DraftAttachmentChunks::Seq),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                DraftAttachmentChunks::Table,
                                DraftAttachmentChunks::AttachmentId,
                            )
                            .to(DraftAttachments::Table, DraftAttachments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Mailboxes::Table)
                    .add_column(text(Mailboxes::Signature).default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(integer(Users::UndoSendSecs).default(5))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DraftAttachmentChunks::Table.into_iden(),
            DraftAttachments::Table.into_iden(),
            Drafts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Mailboxes::Table)
                    .drop_column(Mailboxes::Signature)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::UndoSendSecs)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Drafts {
    Table,
    Id,
    WorkspaceId,
    AuthorId,
    MailboxId,
    Kind,
    SourceMessageId,
    MessageId,
    InReplyTo,
    References,
    ToAddrs,
    CcAddrs,
    BccAddrs,
    Subject,
    Body,
    State,
    SendAt,
    Phase,
    LeaseOwner,
    LeaseUntil,
    Attempts,
    Failure,
    SentCopy,
    ServerUid,
    ServerUidvalidity,
    ServerDirty,
    Revision,
    CreatedAt,
    UpdatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum DraftAttachments {
    Table,
    Id,
    DraftId,
    Name,
    ContentType,
    Size,
    Complete,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DraftAttachmentChunks {
    Table,
    AttachmentId,
    Seq,
    Data,
}

#[derive(DeriveIden)]
enum Mailboxes {
    Table,
    Id,
    Signature,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    UndoSendSecs,
}
