//! Bodies of stored messages: which are pending, the too-large mark, storing parsed bodies
//! in bulk, and sending them back to pending for **Re-sync from date**.

use super::{BodyState, Flags, FolderKey, Quota, body_bytes, by_uid::update_by_uid};
use crate::{
    db::retry_busy,
    entities::message,
    error::ServiceResult,
    sync::{
        parse::Content,
        progress::{self, Advance},
    },
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait, sea_query::Expr,
};

/// A message waiting for its body: UID, declared size, arrival; and, for a message with no
/// row yet (the rest of the new mail, fetched whole), the flags its new row takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pending {
    pub uid: i64,
    pub size: i64,
    pub received_at: DateTime<Utc>,
    pub new_row: Option<Flags>,
}

/// Messages still waiting for their bodies, newest first; with room in the quota, also
/// those an earlier run left without body for lack of room, as far as their declared
/// sizes fit.
pub async fn pending_bodies(
    db: &impl ConnectionTrait,
    key: FolderKey,
    quota: &Quota,
) -> ServiceResult<Vec<Pending>> {
    let mut states = vec![BodyState::Pending.as_str()];
    if !quota.is_full() {
        states.push(BodyState::OverQuota.as_str());
    }
    let rows: Vec<(i64, i64, DateTime<Utc>, String)> = message::Entity::find()
        .select_only()
        .columns([
            message::Column::Uid,
            message::Column::Size,
            message::Column::ReceivedAt,
            message::Column::BodyState,
        ])
        .filter(message::Column::FolderId.eq(key.folder_id))
        .filter(message::Column::Uidvalidity.eq(key.uidvalidity))
        .filter(message::Column::BodyState.is_in(states))
        .order_by_desc(message::Column::Uid)
        .into_tuple()
        .all(db)
        .await?;
    let mut room = quota.room();
    Ok(rows
        .into_iter()
        .filter(|(_, size, _, state)| {
            if state == BodyState::Pending.as_str() {
                return true;
            }
            let fits = *size <= room;
            room -= (*size).max(0);
            fits
        })
        .map(|(uid, size, received_at, _)| Pending {
            uid,
            size,
            received_at,
            new_row: None,
        })
        .collect())
}

/// Marks these messages' bodies as too large to keep.
pub async fn mark_too_large(
    db: &DatabaseConnection,
    key: FolderKey,
    uids: &[i64],
) -> ServiceResult<()> {
    for chunk in uids.chunks(500) {
        kept_without_body(
            db,
            BodyState::TooLarge,
            key.rows(db.get_database_backend(), chunk),
        )
        .await?;
    }
    Ok(())
}

/// Gives the rows `which` selects `state` (too large, over the quota) and drops what they
/// still held of a body: a row that Re-sync from date sent back to pending keeps its old
/// text until stored again, and a body not kept must neither show nor escape the quota.
/// Only rows holding text are written a second time (in the same transaction): writing
/// `text_body` re-queues a row for the full-text index (its trigger).
pub(super) async fn kept_without_body(
    db: &DatabaseConnection,
    state: BodyState,
    which: Condition,
) -> ServiceResult<()> {
    let txn = db.begin().await?;
    message::Entity::update_many()
        .col_expr(message::Column::BodyState, Expr::value(state.as_str()))
        .col_expr(message::Column::BodyBytes, Expr::value(0i64))
        .filter(which.clone())
        .exec(&txn)
        .await?;
    message::Entity::update_many()
        .col_expr(
            message::Column::TextBody,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            message::Column::HtmlBody,
            Expr::value(Option::<String>::None),
        )
        .filter(which)
        .filter(
            Condition::any()
                .add(message::Column::TextBody.is_not_null())
                .add(message::Column::HtmlBody.is_not_null()),
        )
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Stores a batch of parsed bodies in one transaction, which also adds the batch to its
/// folder's counts when given an `advance`.
pub async fn store_bodies(
    db: &DatabaseConnection,
    key: FolderKey,
    bodies: Vec<(i64, Content)>,
    advance: Option<Advance>,
) -> ServiceResult<()> {
    retry_busy(|| store_bodies_once(db, key, &bodies, advance)).await
}

async fn store_bodies_once(
    db: &DatabaseConnection,
    key: FolderKey,
    bodies: &[(i64, Content)],
    advance: Option<Advance>,
) -> ServiceResult<()> {
    let txn = db.begin().await?;
    store_bodies_in(&txn, key, bodies).await?;
    if let Some(step) = advance {
        progress::advance(&txn, step).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Stores `bodies` within the transaction `txn`: one UPDATE … FROM (VALUES …) per 100
/// messages instead of one statement each (the body pass spent most of its time on
/// per-statement overhead, docs/benchmarks.md), each body's row found by its unique key
/// whatever the planner's statistics say (`update_by_uid`).
pub async fn store_bodies_in(
    txn: &DatabaseTransaction,
    key: FolderKey,
    bodies: &[(i64, Content)],
) -> ServiceResult<()> {
    let set = format!(
        "body_state = '{}', text_body = v.column2, html_body = v.column3, \
         snippet = v.column4, attachments = v.column5, body_bytes = v.column6",
        BodyState::Stored.as_str()
    );
    let types = ["BIGINT", "TEXT", "TEXT", "TEXT", "TEXT", "BIGINT"];
    update_by_uid(txn, key, (&set, &types), bodies, 100, |(uid, content)| {
        let attachments =
            serde_json::to_string(&content.attachments).unwrap_or_else(|_| "[]".into());
        vec![
            (*uid).into(),
            content.text.clone().into(),
            content.html.clone().into(),
            content.snippet.clone().into(),
            attachments.into(),
            body_bytes(content).into(),
        ]
    })
    .await
}

/// Sends the mailbox's bodies of mail received since `from` back to "pending" (Re-sync
/// from date). They no longer count against the quota: storing them again takes their
/// room once (the text stays readable until then).
pub async fn refetch_since(
    db: &impl ConnectionTrait,
    mailbox_id: i64,
    from: DateTime<Utc>,
) -> ServiceResult<()> {
    message::Entity::update_many()
        .col_expr(
            message::Column::BodyState,
            BodyState::Pending.as_str().into(),
        )
        .col_expr(message::Column::BodyBytes, 0i64.into())
        .filter(message::Column::MailboxId.eq(mailbox_id))
        .filter(message::Column::ReceivedAt.gte(from))
        .filter(message::Column::BodyState.eq(BodyState::Stored.as_str()))
        .exec(db)
        .await?;
    Ok(())
}
