//! Write-backs of readers' actions (read, flag, move, delete, archive) waiting for the
//! server or failed: one row per message and action, with the message's place on the
//! server (folder, UIDVALIDITY, UID) as it was when the reader acted.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MessageActions::Table)
                    .col(
                        big_integer(MessageActions::Id)
                            .primary_key()
                            .auto_increment(),
                    )
                    .col(big_integer(MessageActions::MailboxId))
                    .col(big_integer_null(MessageActions::MessageId))
                    .col(big_integer(MessageActions::FolderId))
                    .col(big_integer(MessageActions::Uidvalidity))
                    .col(big_integer(MessageActions::Uid))
                    .col(string(MessageActions::Kind))
                    .col(big_integer_null(MessageActions::TargetFolderId))
                    .col(text(MessageActions::Subject))
                    .col(integer(MessageActions::Attempts).default(0))
                    .col(timestamp_with_time_zone(MessageActions::NextAttemptAt))
                    .col(string(MessageActions::State))
                    .col(text_null(MessageActions::LastError))
                    .col(string_null(MessageActions::LeaseOwner))
                    .col(timestamp_with_time_zone_null(MessageActions::LeaseUntil))
                    .col(timestamp_with_time_zone(MessageActions::CreatedAt))
                    .col(timestamp_with_time_zone_null(MessageActions::FailedAt))
                    .foreign_key(&mut cascade(
                        MessageActions::MailboxId,
                        Mailboxes::Table,
                        Mailboxes::Id,
                    ))
                    .foreign_key(&mut cascade(
                        MessageActions::FolderId,
                        MailboxFolders::Table,
                        MailboxFolders::Id,
                    ))
                    .foreign_key(&mut cascade(
                        MessageActions::TargetFolderId,
                        MailboxFolders::Table,
                        MailboxFolders::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        use MessageActions as A;
        let indexes: [(&str, &[A]); 5] = [
            // The worker: which mailboxes have write-backs due.
            ("idx_message_actions_due", &[A::State, A::NextAttemptAt]),
            // One mailbox's queue, in order; its failures.
            (
                "idx_message_actions_mailbox",
                &[A::MailboxId, A::State, A::Id],
            ),
            // What a sync leaves alone in a folder while its write-back is pending.
            (
                "idx_message_actions_place",
                &[A::FolderId, A::Uidvalidity, A::Uid],
            ),
            ("idx_message_actions_target", &[A::TargetFolderId]),
            // A message's write-backs (retry). No foreign key: the row may go (deleted
            // for good, removed by a sync) while its write-back stays, known by its place
            // on the server; ids are never reused.
            ("idx_message_actions_message", &[A::MessageId]),
        ];
        for (name, columns) in indexes {
            let mut index = Index::create();
            index.name(name).table(A::Table);
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MessageActions::Table).to_owned())
            .await
    }
}

/// A foreign key of `message_actions` whose rows go with the referenced row.
fn cascade(
    from: MessageActions,
    table: impl IntoIden + 'static,
    id: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(MessageActions::Table, from)
        .to(table, id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[derive(DeriveIden)]
enum Mailboxes {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MailboxFolders {
    Table,
    Id,
}

#[derive(Clone, Copy, DeriveIden)]
enum MessageActions {
    Table,
    Id,
    MailboxId,
    MessageId,
    FolderId,
    Uidvalidity,
    Uid,
    Kind,
    TargetFolderId,
    Subject,
    Attempts,
    NextAttemptAt,
    State,
    LastError,
    LeaseOwner,
    LeaseUntil,
    CreatedAt,
    FailedAt,
}
