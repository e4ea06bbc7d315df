//! The drafts on their way out, as the send worker sees them: claimed with a lease (so
//! several processes on one database never send one draft twice at once, and a crashed
//! process's sends are taken over), the phase of an attempt recorded before the message
//! is handed over, and the end of an attempt written back.

use crate::{entities::draft, error::ServiceResult};
use chrono::{DateTime, Utc};
use domain::{SendFailure, SendState};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use std::time::Duration;

/// Nothing has been handed over yet in this attempt.
pub(super) const PHASE_CONNECT: &str = "connect";
/// The message is being handed over: a cut from here on may have delivered it.
pub(super) const PHASE_DATA: &str = "data";
/// The server took the message; what is left is its copy in Sent. A takeover only files
/// that copy: the message never goes out again.
pub(super) const PHASE_DELIVERED: &str = "delivered";

fn due(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(draft::Column::State.eq(SendState::Queued.as_str()))
                .add(draft::Column::SendAt.lte(now)),
        )
        .add(
            Condition::all()
                .add(draft::Column::State.eq(SendState::Sending.as_str()))
                .add(draft::Column::LeaseUntil.lt(now)),
        )
}

/// Claims up to `n` drafts that are due (or whose sender's lease ran out), skipping
/// `busy`; each claim is one conditional UPDATE, so only one process wins a draft.
pub(super) async fn claim_due(
    db: &impl ConnectionTrait,
    owner: &str,
    lease: Duration,
    n: usize,
    busy: &[i64],
) -> ServiceResult<Vec<draft::Model>> {
    let now = Utc::now();
    let candidates: Vec<i64> = draft::Entity::find()
        .select_only()
        .column(draft::Column::Id)
        .filter(due(now))
        .filter(draft::Column::Id.is_not_in(busy.iter().copied()))
        .order_by_asc(draft::Column::SendAt)
        .limit(u64::try_from(n).unwrap_or(1))
        .into_tuple()
        .all(db)
        .await?;
    let until = lease_end(now, lease);
    let mut claimed = Vec::new();
    for id in candidates {
        let won = draft::Entity::update_many()
            .col_expr(
                draft::Column::State,
                Expr::value(SendState::Sending.as_str()),
            )
            .col_expr(draft::Column::LeaseOwner, Expr::value(owner))
            .col_expr(draft::Column::LeaseUntil, Expr::value(until))
            // Still Sending, its lease run out: taken over from an attempt that ended
            // without an outcome, counted as a takeover, not as a retry (every SET sees
            // the row as it was).
            .col_expr(
                draft::Column::Attempts,
                count_if(false, draft::Column::Attempts),
            )
            .col_expr(
                draft::Column::Takeovers,
                count_if(true, draft::Column::Takeovers),
            )
            .filter(draft::Column::Id.eq(id))
            .filter(due(now))
            .exec(db)
            .await?;
        if won.rows_affected == 1
            && let Some(row) = draft::Entity::find_by_id(id).one(db).await?
        {
            claimed.push(row);
        }
    }
    Ok(claimed)
}

/// When a claim taken (or renewed) at `now` runs out.
fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(3))
}

/// `column + 1` for a claim that is a takeover (with `takeover`) or that is not (without),
/// else `column`.
fn count_if(takeover: bool, column: draft::Column) -> Expr {
    let taken_over = draft::Column::State.eq(SendState::Sending.as_str());
    let when = if takeover {
        taken_over
    } else {
        taken_over.not()
    };
    Expr::case(when, Expr::col(column).add(1))
        .finally(Expr::col(column))
        .into()
}

/// When the next draft falls due (a queued one's send time, or a lease running out).
pub(super) async fn next_due(db: &impl ConnectionTrait) -> ServiceResult<Option<DateTime<Utc>>> {
    let queued: Option<DateTime<Utc>> = draft::Entity::find()
        .select_only()
        .column(draft::Column::SendAt)
        .filter(draft::Column::State.eq(SendState::Queued.as_str()))
        .order_by_asc(draft::Column::SendAt)
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(db)
        .await?
        .flatten();
    let leased: Option<DateTime<Utc>> = draft::Entity::find()
        .select_only()
        .column(draft::Column::LeaseUntil)
        .filter(draft::Column::State.eq(SendState::Sending.as_str()))
        .order_by_asc(draft::Column::LeaseUntil)
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(db)
        .await?
        .flatten();
    Ok([queued, leased].into_iter().flatten().min())
}

/// Sets the phase of the running attempt, only while this process holds the draft.
pub(super) async fn set_phase(
    db: &impl ConnectionTrait,
    id: i64,
    owner: &str,
    phase: &str,
) -> ServiceResult<bool> {
    let done = draft::Entity::update_many()
        .col_expr(draft::Column::Phase, Expr::value(phase))
        .filter(draft::Column::Id.eq(id))
        .filter(draft::Column::State.eq(SendState::Sending.as_str()))
        .filter(draft::Column::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// `sent_copy` of a sent message whose copy in Sent could not be filed (yet): tried
/// again later (`sent_copies`).
pub(super) const FAILED_COPY: &str = "failed";
/// `sent_copy` of a copy no longer tried: its tries ran out, or its attempts kept
/// bringing their process down (`attempt::given_up`).
pub(super) const GIVEN_UP_COPY: &str = "given_up";

/// How an attempt ends for the draft.
pub(super) enum End {
    /// Sent; `sent_copy` says where the copy in Sent stands.
    Sent { sent_copy: &'static str },
    /// Waits for the user (failed, or unconfirmed), with why.
    Stopped {
        state: SendState,
        failure: SendFailure,
    },
    /// Tried again by itself at `at`.
    Retry {
        at: DateTime<Utc>,
        failure: SendFailure,
    },
}

/// Writes the end of an attempt, only while this process holds the draft; a send the
/// server took is written whoever holds the draft now (a process that took it over late
/// only found it "maybe sent", or is about to hand it over again: it then stops before
/// DATA). Returns whether the draft was written.
pub(super) async fn finish(
    db: &impl ConnectionTrait,
    id: i64,
    owner: &str,
    end: End,
) -> ServiceResult<bool> {
    let now = Utc::now();
    let held = match end {
        End::Sent { .. } => Condition::all().add(
            draft::Column::State
                .is_in([SendState::Sending.as_str(), SendState::Unconfirmed.as_str()]),
        ),
        _ => Condition::all()
            .add(draft::Column::State.eq(SendState::Sending.as_str()))
            .add(draft::Column::LeaseOwner.eq(owner)),
    };
    let mut update = draft::Entity::update_many()
        .col_expr(draft::Column::Phase, Expr::value(Option::<String>::None))
        .col_expr(
            draft::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            draft::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(draft::Column::Takeovers, Expr::value(0))
        .col_expr(draft::Column::UpdatedAt, Expr::value(now));
    update = match end {
        End::Sent { sent_copy } => update
            .col_expr(draft::Column::State, Expr::value(SendState::Sent.as_str()))
            .col_expr(draft::Column::SentAt, Expr::value(now))
            .col_expr(draft::Column::Failure, Expr::value(Option::<String>::None))
            .col_expr(draft::Column::SentCopy, Expr::value(sent_copy))
            // A copy that failed is filed again by the worker's next pass (sent_copies).
            .col_expr(draft::Column::CopyAttempts, Expr::value(0))
            .col_expr(
                draft::Column::CopyDueAt,
                Expr::value((sent_copy == FAILED_COPY).then_some(now)),
            ),
        End::Stopped { state, failure } => update
            .col_expr(draft::Column::State, Expr::value(state.as_str()))
            .col_expr(
                draft::Column::SendAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(draft::Column::Failure, Expr::value(to_json(&failure))),
        End::Retry { at, failure } => update
            .col_expr(
                draft::Column::State,
                Expr::value(SendState::Queued.as_str()),
            )
            .col_expr(draft::Column::SendAt, Expr::value(at))
            .col_expr(draft::Column::Failure, Expr::value(to_json(&failure))),
    };
    let done = update
        .filter(draft::Column::Id.eq(id))
        .filter(held)
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Gives back this process's claims on shutdown: an attempt that had not begun handing
/// the message over is queued again at once, its claim not counted against the retries
/// (the draft did not fail, the process stopped); one that had (or whose message the
/// server took) is left for the takeover, which checks before anything is repeated.
pub(super) async fn release(db: &impl ConnectionTrait, owner: &str) -> ServiceResult<()> {
    draft::Entity::update_many()
        .col_expr(
            draft::Column::State,
            Expr::value(SendState::Queued.as_str()),
        )
        .col_expr(
            draft::Column::Attempts,
            Expr::col(draft::Column::Attempts).sub(1),
        )
        .col_expr(draft::Column::SendAt, Expr::value(Utc::now()))
        .col_expr(
            draft::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            draft::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(draft::Column::Phase, Expr::value(Option::<String>::None))
        .filter(draft::Column::State.eq(SendState::Sending.as_str()))
        .filter(draft::Column::LeaseOwner.eq(owner))
        .filter(
            Condition::any()
                .add(draft::Column::Phase.is_null())
                .add(draft::Column::Phase.eq(PHASE_CONNECT)),
        )
        .exec(db)
        .await?;
    draft::Entity::update_many()
        .col_expr(draft::Column::LeaseUntil, Expr::value(Utc::now()))
        .filter(draft::Column::State.eq(SendState::Sending.as_str()))
        .filter(draft::Column::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(())
}

/// The claim of an attempt that panicked runs out now: the draft is taken over at once,
/// with the checks and the count of a takeover (`attempt::given_up`), not after the lease.
pub(super) async fn lease_ends_now(
    db: &impl ConnectionTrait,
    id: i64,
    owner: &str,
) -> ServiceResult<()> {
    lease_ends_at(db, id, owner, Utc::now()).await
}

/// The claim of a running attempt holds for another `lease` from now (the worker renews
/// it while the attempt runs); nothing when the claim is no longer `owner`'s.
pub(super) async fn renew(
    db: &impl ConnectionTrait,
    id: i64,
    owner: &str,
    lease: Duration,
) -> ServiceResult<()> {
    lease_ends_at(db, id, owner, lease_end(Utc::now(), lease)).await
}

async fn lease_ends_at(
    db: &impl ConnectionTrait,
    id: i64,
    owner: &str,
    until: DateTime<Utc>,
) -> ServiceResult<()> {
    draft::Entity::update_many()
        .col_expr(draft::Column::LeaseUntil, Expr::value(until))
        .filter(draft::Column::Id.eq(id))
        .filter(draft::Column::State.eq(SendState::Sending.as_str()))
        .filter(draft::Column::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(())
}

fn to_json(failure: &SendFailure) -> Option<String> {
    serde_json::to_string(failure).ok()
}

/// At start: the claims of this instance's previous process (same host and address, a
/// different owner) run out now, so its sends are taken over at once — with the check
/// before repeating any that was handing its message over.
pub async fn release_instance(
    db: &impl ConnectionTrait,
    instance: &str,
    owner: &str,
) -> ServiceResult<u64> {
    let done = draft::Entity::update_many()
        .col_expr(draft::Column::LeaseUntil, Expr::value(Utc::now()))
        .filter(draft::Column::State.eq(SendState::Sending.as_str()))
        .filter(draft::Column::LeaseOwner.starts_with(instance))
        .filter(draft::Column::LeaseOwner.ne(owner))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}
