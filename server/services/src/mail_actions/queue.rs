//! The queue of write-backs as the worker sees it: which mailboxes have some due, a
//! mailbox's queue claimed under a lease (two processes never write one mailbox at
//! once), done, later, failed; and what a sync must leave alone meanwhile.

use super::kind::ActionState;
use crate::{
    db::retry_busy,
    entities::message_action::{self, Column, Entity, Model as Action},
    error::ServiceResult,
    sync::error::MAX_ERROR_CHARS,
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DeleteMany, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, UpdateMany,
    sea_query::{Alias, Expr, ExprTrait, Func, Query, SelectStatement, SimpleExpr},
};
use std::collections::HashSet;

fn pending() -> SimpleExpr {
    Column::State.eq(ActionState::Pending.as_str())
}

/// Runs an UPDATE again while SQLite is busy.
pub(super) async fn update<E: EntityTrait>(
    db: &DatabaseConnection,
    change: UpdateMany<E>,
) -> ServiceResult<u64> {
    retry_busy(|| {
        let change = change.clone();
        async move { Ok(change.exec(db).await?.rows_affected) }
    })
    .await
}

/// Runs a DELETE again while SQLite is busy.
pub(super) async fn delete<E: EntityTrait>(
    db: &DatabaseConnection,
    gone: DeleteMany<E>,
) -> ServiceResult<u64> {
    retry_busy(|| {
        let gone = gone.clone();
        async move { Ok(gone.exec(db).await?.rows_affected) }
    })
    .await
}

/// The UPDATE that gives write-backs' claims back.
fn unclaim() -> UpdateMany<Entity> {
    Entity::update_many()
        .col_expr(Column::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(
            Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
}

/// Pending write-backs someone holds a live claim on (as `o`, for NOT EXISTS).
fn live_claims(now: DateTime<Utc>) -> SelectStatement {
    let o = Alias::new("o");
    Query::select()
        .expr(Expr::val(1))
        .from_as(Entity, o.clone())
        .and_where(Expr::col((o.clone(), Column::State)).eq(ActionState::Pending.as_str()))
        .and_where(Expr::col((o, Column::LeaseUntil)).gte(now))
        .to_owned()
}

/// ... of the same mailbox as the outer row.
fn live_claims_beside(now: DateTime<Utc>) -> SelectStatement {
    live_claims(now)
        .and_where(
            Expr::col((Alias::new("o"), Column::MailboxId)).equals((Entity, Column::MailboxId)),
        )
        .to_owned()
}

/// Mailboxes with a write-back due and none being written (by any process), at most
/// `limit`, not `busy` here.
pub async fn due_mailboxes(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    busy: &HashSet<i64>,
    limit: usize,
) -> ServiceResult<Vec<i64>> {
    Ok(Entity::find()
        .select_only()
        .column(Column::MailboxId)
        .distinct()
        .filter(pending())
        .filter(Column::NextAttemptAt.lte(now))
        .filter(Column::MailboxId.is_not_in(busy.iter().copied()))
        .filter(Expr::not_exists(live_claims_beside(now)))
        .limit(u64::try_from(limit).unwrap_or(u64::MAX))
        .into_tuple::<i64>()
        .all(db)
        .await?)
}

/// Claims every pending write-back of the mailbox for `owner` until `now + lease`, in one
/// statement, unless another process holds some of them: one mailbox's queue is written
/// in order by one process.
pub async fn claim(
    db: &DatabaseConnection,
    mailbox_id: i64,
    owner: &str,
    now: DateTime<Utc>,
    lease: Duration,
) -> ServiceResult<Vec<Action>> {
    let elsewhere = live_claims(now)
        .and_where(Expr::col((Alias::new("o"), Column::MailboxId)).eq(mailbox_id))
        .and_where(Expr::col((Alias::new("o"), Column::LeaseOwner)).ne(owner))
        .to_owned();
    let take = Entity::update_many()
        .col_expr(Column::LeaseOwner, Expr::value(owner))
        .col_expr(Column::LeaseUntil, Expr::value(now + lease))
        .filter(Column::MailboxId.eq(mailbox_id))
        .filter(pending())
        .filter(Column::LeaseUntil.is_null().or(Column::LeaseUntil.lt(now)))
        .filter(Expr::not_exists(elsewhere));
    update(db, take).await?;
    claimed(db, mailbox_id, owner).await
}

/// The write-backs of the mailbox this owner holds, oldest first.
pub async fn claimed(
    db: &impl ConnectionTrait,
    mailbox_id: i64,
    owner: &str,
) -> ServiceResult<Vec<Action>> {
    Ok(Entity::find()
        .filter(Column::MailboxId.eq(mailbox_id))
        .filter(Column::LeaseOwner.eq(owner))
        .filter(pending())
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

/// Written: gone from the queue.
pub async fn complete(db: &DatabaseConnection, ids: &[i64]) -> ServiceResult<()> {
    delete(
        db,
        Entity::delete_many().filter(Column::Id.is_in(ids.iter().copied())),
    )
    .await?;
    Ok(())
}

/// A UID COPY is about to be sent for these (a move without MOVE), landing where the
/// target's UIDVALIDITY and UIDNEXT say: until [`mark_copied`], whether it went through
/// is not known.
pub async fn mark_copy_sent(
    db: &DatabaseConnection,
    ids: &[i64],
    landing: Option<(i64, i64)>,
) -> ServiceResult<()> {
    let sent = Entity::update_many()
        .col_expr(Column::CopySent, Expr::value(true))
        .col_expr(Column::CopyUidvalidity, Expr::value(landing.map(|l| l.0)))
        .col_expr(Column::CopyUidnext, Expr::value(landing.map(|l| l.1)))
        .filter(Column::Id.is_in(ids.iter().copied()));
    update(db, sent).await?;
    Ok(())
}

/// The server refused the UID COPY [`mark_copy_sent`] announced: nothing was copied.
pub async fn clear_copy_sent(db: &DatabaseConnection, ids: &[i64]) -> ServiceResult<()> {
    let cleared = Entity::update_many()
        .col_expr(Column::CopySent, Expr::value(false))
        .col_expr(Column::CopyUidvalidity, Expr::value(Option::<i64>::None))
        .col_expr(Column::CopyUidnext, Expr::value(Option::<i64>::None))
        .filter(Column::Id.is_in(ids.iter().copied()));
    update(db, cleared).await?;
    Ok(())
}

/// Copied to the target, not yet removed from where they were (a move without MOVE): a
/// later attempt only removes them.
pub async fn mark_copied(db: &DatabaseConnection, ids: &[i64]) -> ServiceResult<()> {
    let copied = Entity::update_many()
        .col_expr(Column::Copied, Expr::value(true))
        .filter(Column::Id.is_in(ids.iter().copied()));
    update(db, copied).await?;
    Ok(())
}

/// Tried again after `delay(attempts)` (a transient failure), unless this was the last
/// attempt: those are returned for [`fail`].
pub async fn postpone(
    db: &DatabaseConnection,
    actions: &[Action],
    error: &str,
    now: DateTime<Utc>,
    max_attempts: u32,
    delay: impl Fn(u32) -> Duration,
) -> ServiceResult<Vec<Action>> {
    let mut last = Vec::new();
    let error = short(error);
    for action in actions {
        let attempts = u32::try_from(action.attempts)
            .unwrap_or(0)
            .saturating_add(1);
        if attempts >= max_attempts {
            last.push(action.clone());
            continue;
        }
        let later = unclaim()
            .col_expr(
                Column::Attempts,
                Expr::value(i32::try_from(attempts).unwrap_or(i32::MAX)),
            )
            .col_expr(Column::NextAttemptAt, Expr::value(now + delay(attempts)))
            .col_expr(Column::LastError, Expr::value(error.clone()))
            .filter(Column::Id.eq(action.id));
        update(db, later).await?;
    }
    Ok(last)
}

/// Failed for good: kept and shown until the reader retries or dismisses it.
pub async fn fail(
    db: &DatabaseConnection,
    actions: &[Action],
    error: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let failed = unclaim()
        .col_expr(Column::State, Expr::value(ActionState::Failed.as_str()))
        .col_expr(Column::LastError, Expr::value(short(error)))
        .col_expr(Column::FailedAt, Expr::value(now))
        .filter(Column::Id.is_in(actions.iter().map(|a| a.id)));
    update(db, failed).await?;
    Ok(())
}

/// A clean stop: this owner's claims are given back, due at once.
pub async fn release(db: &DatabaseConnection, owner: &str) -> ServiceResult<()> {
    update(db, unclaim().filter(Column::LeaseOwner.eq(owner))).await?;
    Ok(())
}

/// At start: gives back the claims of this instance's previous process (owners that
/// begin with `instance`, other than `owner`), so a restarted process writes its queue at
/// once instead of waiting for the old claims to lapse (as the sync's leases).
pub async fn release_instance(
    db: &DatabaseConnection,
    instance: &str,
    owner: &str,
) -> ServiceResult<u64> {
    // `substr` with a literal length: no LIKE wildcards to escape in host names.
    let len = i64::try_from(instance.chars().count()).unwrap_or(i64::MAX);
    let prefix = Func::cust("substr")
        .arg(Expr::col(Column::LeaseOwner))
        .arg(1)
        .arg(len);
    let theirs = unclaim()
        .filter(Expr::expr(prefix).eq(instance))
        .filter(Column::LeaseOwner.ne(owner));
    update(db, theirs).await
}

/// When the worker should look next: the earliest due write-back of a mailbox nobody is
/// writing, or the moment a live claim lapses (a crashed process's queue).
pub async fn next_due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> ServiceResult<Option<DateTime<Utc>>> {
    let free: Option<Option<DateTime<Utc>>> = Entity::find()
        .select_only()
        .column_as(Column::NextAttemptAt.min(), "due")
        .filter(pending())
        .filter(Expr::not_exists(live_claims_beside(now)))
        .into_tuple()
        .one(db)
        .await?;
    let lapsing: Option<Option<DateTime<Utc>>> = Entity::find()
        .select_only()
        .column_as(Column::LeaseUntil.min(), "due")
        .filter(pending())
        .filter(Column::LeaseUntil.gte(now))
        .into_tuple()
        .one(db)
        .await?;
    Ok(free.flatten().into_iter().chain(lapsing.flatten()).min())
}

/// UIDs of one folder generation that a sync must leave as they are while write-backs
/// are pending: messages whose flags, move or deletion are on their way (their UIDs),
/// and rows moved here that wait for their copy's UID (their placeholders, minus the
/// row's id). Flags read from the server are not applied to them, they are not fetched
/// again if missing, and they are not removed as gone.
pub async fn held_uids(
    db: &impl ConnectionTrait,
    folder_id: i64,
    uidvalidity: i64,
) -> ServiceResult<HashSet<i64>> {
    let mut held: HashSet<i64> = Entity::find()
        .select_only()
        .column(Column::Uid)
        .filter(pending())
        .filter(Column::FolderId.eq(folder_id))
        .filter(Column::Uidvalidity.eq(uidvalidity))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let placeholders: Vec<Option<i64>> = Entity::find()
        .select_only()
        .column(Column::MessageId)
        .filter(pending())
        .filter(Column::TargetFolderId.eq(folder_id))
        .into_tuple()
        .all(db)
        .await?;
    held.extend(placeholders.into_iter().flatten().map(|id| -id));
    Ok(held)
}

/// Whether a write-back moves the message (move, archive, delete to Trash).
pub fn moves(action: &message_action::Model) -> bool {
    action.kind.flag().is_none() && action.target_folder_id.is_some()
}

fn short(error: &str) -> String {
    crate::mail::text::printable(error, MAX_ERROR_CHARS)
}
