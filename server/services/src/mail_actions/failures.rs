//! Write-backs that failed for good, as the reader sees them: listed until retried or
//! dismissed, by the mailbox's owner or a grantee only.

use super::{apply, kind::ActionState};
use crate::{
    AppState,
    accounts::Actor,
    entities::{message, message_action},
    error::{ServiceError, ServiceResult},
    mailboxes,
};
use chrono::Utc;
use domain::{ActionFailure, Timestamp};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashSet;

/// The most failures one list shows (newest first).
const LIST_LIMIT: u64 = 200;

/// Failed write-backs of one mailbox, or of every mailbox the caller may read, newest
/// first. A failure's message is given only while its row exists.
pub async fn failures(
    db: &impl ConnectionTrait,
    actor: &Actor,
    mailbox_id: Option<i64>,
) -> ServiceResult<Vec<ActionFailure>> {
    let mailbox_ids: Vec<i64> = match mailbox_id {
        Some(id) => vec![mailboxes::readable(db, actor, id).await?.id],
        None => mailboxes::visible_mailboxes(db, actor)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect(),
    };
    let rows = message_action::Entity::find()
        .filter(message_action::Column::MailboxId.is_in(mailbox_ids))
        .filter(message_action::Column::State.eq(ActionState::Failed.as_str()))
        .order_by_desc(message_action::Column::FailedAt)
        .order_by_desc(message_action::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await?;
    let existing: HashSet<i64> = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::Id.is_in(rows.iter().filter_map(|r| r.message_id)))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| ActionFailure {
            id: r.id,
            mailbox_id: r.mailbox_id,
            message_id: r.message_id.filter(|id| existing.contains(id)),
            subject: r.subject,
            action: r.kind.action(r.target_folder_id),
            error: r.last_error.unwrap_or_default(),
            at: Timestamp(r.failed_at.unwrap_or(r.created_at).timestamp()),
        })
        .collect())
}

/// Tries a failed write-back again: the action is applied anew to the message where it
/// is now (found by its row, or by its place on the server), or, when the message is
/// not in the app (deleted for good), queued again as it was.
pub async fn retry_failure(state: &AppState, actor: &Actor, failure_id: i64) -> ServiceResult<()> {
    let db = &state.db;
    let failure = failed(db, actor, failure_id).await?;
    let action = failure.kind.action(failure.target_folder_id);
    match current_row(db, &failure).await? {
        Some(id) => {
            // A copy the server already holds (or may hold) is not made again blindly.
            let copied_from = failure
                .target_folder_id
                .filter(|_| failure.copied || failure.copy_sent)
                .map(|to| apply::CopiedFrom {
                    from: (failure.folder_id, failure.uidvalidity, failure.uid),
                    to,
                    answered: failure.copied,
                    landing: failure.copy_uidvalidity.zip(failure.copy_uidnext),
                });
            apply::apply_with(db, actor, &[id], action, copied_from).await?;
            message_action::Entity::delete_by_id(failure.id)
                .exec(db)
                .await?;
        }
        None => {
            let mut again = failure.into_active_model();
            again.state = Set(ActionState::Pending);
            again.attempts = Set(0);
            again.next_attempt_at = Set(Utc::now());
            again.last_error = Set(None);
            again.failed_at = Set(None);
            again.update(db).await?;
        }
    }
    state.action_waker.wake();
    Ok(())
}

/// Forgets a failed write-back (the reader has seen it).
pub async fn dismiss_failure(
    db: &impl ConnectionTrait,
    actor: &Actor,
    failure_id: i64,
) -> ServiceResult<()> {
    let failure = failed(db, actor, failure_id).await?;
    message_action::Entity::delete_by_id(failure.id)
        .exec(db)
        .await?;
    Ok(())
}

/// A failure of a mailbox the caller may read, else `NotFound`.
async fn failed(
    db: &impl ConnectionTrait,
    actor: &Actor,
    failure_id: i64,
) -> ServiceResult<message_action::Model> {
    let row = message_action::Entity::find_by_id(failure_id)
        .filter(message_action::Column::State.eq(ActionState::Failed.as_str()))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    mailboxes::readable(db, actor, row.mailbox_id).await?;
    Ok(row)
}

/// The message's row now: its own, or whatever row a sync gave its place on the server.
async fn current_row(
    db: &impl ConnectionTrait,
    failure: &message_action::Model,
) -> ServiceResult<Option<i64>> {
    let by_id = match failure.message_id {
        Some(id) => {
            message::Entity::find_by_id(id)
                .filter(message::Column::MailboxId.eq(failure.mailbox_id))
                .select_only()
                .column(message::Column::Id)
                .into_tuple::<i64>()
                .one(db)
                .await?
        }
        None => None,
    };
    if by_id.is_some() {
        return Ok(by_id);
    }
    Ok(message::Entity::find()
        .filter(message::Column::FolderId.eq(failure.folder_id))
        .filter(message::Column::Uidvalidity.eq(failure.uidvalidity))
        .filter(message::Column::Uid.eq(failure.uid))
        .select_only()
        .column(message::Column::Id)
        .into_tuple::<i64>()
        .one(db)
        .await?)
}
