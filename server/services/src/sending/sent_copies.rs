//! Copies in Sent that failed when their message went out (`sent_copy` `failed`: the
//! IMAP server unreachable or refusing then), filed again later by the send worker's
//! passes, with back-off, so a sent message does not stay missing from the mailbox's
//! Sent folder. Each try is claimed first by one conditional UPDATE that counts it and
//! holds the copy for longer than a try can take ([`TRY_HOLD`], [`TRY_LIMIT`]), so two
//! processes never file one copy at once, and a try that brings its process down still
//! counts; after [`MAX_COPY_ATTEMPTS`] tries the copy is given up. The copy is rebuilt
//! from the draft as it was sent (its attachments are kept), dated when it was sent, and
//! looked for in Sent before it is appended (`sent_copy`).

use super::{
    mime,
    outbox::{FAILED_COPY, GIVEN_UP_COPY},
    outgoing::{self, Addresses},
    sent_copy,
};
use crate::{
    entities::{draft, mailbox},
    error::ServiceResult,
    sync::SyncEngine,
};
use chrono::{DateTime, Utc};
use domain::{MailboxStatus, SendState};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};
use std::time::{Duration, Instant};

/// Tries of one copy, the first when its message went out not counted: with the default
/// first delay (30 s), the last about an hour after the message went out.
pub(super) const MAX_COPY_ATTEMPTS: i32 = 8;
/// Copies read for one pass.
const PASS_COPIES: u64 = 20;
/// The longest one try may take (each of its IMAP commands is bounded too).
const TRY_LIMIT: Duration = Duration::from_secs(5 * 60);
/// How long a claimed try holds its copy against other processes: longer than
/// [`TRY_LIMIT`]. A process that dies in a try lets go when it runs out.
const TRY_HOLD: chrono::Duration = chrono::Duration::minutes(10);
/// Time one pass gives to copies before it leaves the rest to the next (the same pass
/// keeps the copies in Drafts).
const PASS_BUDGET: Duration = Duration::from_secs(2 * 60);

fn waiting() -> Condition {
    Condition::all()
        .add(draft::Column::State.eq(SendState::Sent.as_str()))
        .add(draft::Column::SentCopy.eq(FAILED_COPY))
        .add(draft::Column::CopyDueAt.is_not_null())
}

/// When the next copy is due, if any waits.
pub(super) async fn next_due(db: &impl ConnectionTrait) -> ServiceResult<Option<DateTime<Utc>>> {
    let first: Option<Option<DateTime<Utc>>> = draft::Entity::find()
        .select_only()
        .column_as(draft::Column::CopyDueAt.min(), "due")
        .filter(waiting())
        .into_tuple()
        .one(db)
        .await?;
    Ok(first.flatten())
}

/// Files the copies that are due; how many could not be filed this time.
pub(super) async fn pass(engine: &SyncEngine, first_delay: Duration) -> ServiceResult<usize> {
    let db = &engine.db;
    let started = Instant::now();
    let due = draft::Entity::find()
        .filter(waiting())
        .filter(draft::Column::CopyDueAt.lte(Utc::now()))
        .order_by_asc(draft::Column::CopyDueAt)
        .limit(PASS_COPIES)
        .all(db)
        .await?;
    let mut failed = 0;
    for row in due {
        if started.elapsed() >= PASS_BUDGET {
            break;
        }
        if row.copy_attempts >= MAX_COPY_ATTEMPTS {
            // Its last try ended without an outcome (its process stopped).
            give_up(db, row.id).await?;
            continue;
        }
        let Some(tries) = claim(db, &row).await? else {
            continue;
        };
        let outcome = match tokio::time::timeout(TRY_LIMIT, file_again(engine, &row)).await {
            Ok(outcome) => outcome,
            Err(_) => Err("the server did not finish in time".to_owned()),
        };
        match outcome {
            // Filed (or found filed): `state` is where the copy stands now.
            Ok(state) => no_longer_tried(db, row.id, state).await?,
            Err(err) => {
                failed += 1;
                tracing::info!(draft = row.id, %err, "copy in Sent: not filed this time");
                later(db, row.id, tries, first_delay).await?;
            }
        }
    }
    Ok(failed)
}

/// The wait after the `tries`-th try: `first_delay` doubling, at most a day.
fn backoff(first_delay: Duration, tries: i32) -> chrono::Duration {
    let tries = u32::try_from(tries).unwrap_or(0);
    crate::retry::backoff(tries, first_delay, Duration::from_secs(24 * 3600))
}

/// This try is ours (no other process took it since `row` was read): counted, and the
/// copy held for [`TRY_HOLD`]. The try's number, or None when another process has it.
async fn claim(db: &impl ConnectionTrait, row: &draft::Model) -> ServiceResult<Option<i32>> {
    let now = Utc::now();
    let tries = row.copy_attempts.saturating_add(1);
    let won = draft::Entity::update_many()
        .col_expr(draft::Column::CopyAttempts, Expr::value(tries))
        .col_expr(draft::Column::CopyDueAt, Expr::value(now + TRY_HOLD))
        .filter(draft::Column::Id.eq(row.id))
        .filter(draft::Column::CopyAttempts.eq(row.copy_attempts))
        .filter(waiting())
        .filter(draft::Column::CopyDueAt.lte(now))
        .exec(db)
        .await?;
    Ok((won.rows_affected == 1).then_some(tries))
}

/// The `tries`-th try failed: the next after the back-off, or none after the last.
async fn later(
    db: &impl ConnectionTrait,
    id: i64,
    tries: i32,
    first_delay: Duration,
) -> ServiceResult<()> {
    if tries >= MAX_COPY_ATTEMPTS {
        return give_up(db, id).await;
    }
    draft::Entity::update_many()
        .col_expr(
            draft::Column::CopyDueAt,
            Expr::value(Utc::now() + backoff(first_delay, tries)),
        )
        .filter(draft::Column::Id.eq(id))
        .filter(draft::Column::CopyAttempts.eq(tries))
        .filter(waiting())
        .exec(db)
        .await?;
    Ok(())
}

/// No longer tried.
async fn give_up(db: &impl ConnectionTrait, id: i64) -> ServiceResult<()> {
    no_longer_tried(db, id, GIVEN_UP_COPY).await
}

/// A failed copy leaves the queue as `state` (filed, or given up): nothing more to try.
async fn no_longer_tried(db: &impl ConnectionTrait, id: i64, state: &str) -> ServiceResult<()> {
    draft::Entity::update_many()
        .col_expr(draft::Column::SentCopy, Expr::value(state))
        .col_expr(
            draft::Column::CopyDueAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(draft::Column::Id.eq(id))
        .filter(draft::Column::SentCopy.eq(FAILED_COPY))
        .exec(db)
        .await?;
    Ok(())
}

/// Rebuilds the sent message and files it; where the copy stands then.
async fn file_again(engine: &SyncEngine, row: &draft::Model) -> Result<&'static str, String> {
    let db = &engine.db;
    let storage = |e: sea_orm::DbErr| e.to_string();
    let Some(mailbox) = mailbox::Entity::find_by_id(row.mailbox_id)
        .one(db)
        .await
        .map_err(storage)?
    else {
        return Ok(GIVEN_UP_COPY);
    };
    if mailbox.status == MailboxStatus::NeedsReconnect {
        // Logging in again with a refused password can lock the account.
        return Err("the mailbox needs its new password".to_owned());
    }
    let sent_at = row.sent_at.unwrap_or(row.updated_at);
    let message = outgoing::of_draft(db, &mailbox, row, Addresses::Lenient, sent_at)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let raw = mime::build(&message)?;
    sent_copy::file_copy(engine, &mailbox, &row.message_id, &raw)
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn tries_wait_longer_each_time_up_to_a_day() {
        let first = Duration::from_secs(30);
        let minutes = |tries| backoff(first, tries).num_seconds();
        assert_eq!(
            [1, 2, 3, 6].map(minutes),
            [30, 60, 120, 960],
            "doubling from the first delay"
        );
        assert_eq!(minutes(40), 24 * 3600, "at most a day");
    }
}
