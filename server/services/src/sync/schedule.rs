//! Plan-tier scheduling in the database, so a restart loses nothing and several server
//! processes on one PostgreSQL never sync the same mailbox at once.
//!
//! A process *claims* a due mailbox with one conditional UPDATE (due, and no live lease):
//! the database lets exactly one of two racing claimers change the row, on SQLite and
//! PostgreSQL alike. Leases are short and renewed while a run lasts, so one that outlives
//! its holder (a crash) lapses within seconds and is taken over; a clean shutdown gives
//! its leases back at once ([`release`]), and a restarted process takes back the leases
//! of its own previous run at start ([`release_instance`]).

use crate::{
    entities::{mailbox, workspace},
    error::ServiceResult,
};
use chrono::{DateTime, Duration, Utc};
use domain::{MailboxStatus, Plan};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, Statement,
    sea_query::Expr,
};

/// How a sync run ended, for the next schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Synced,
    /// Server down, network cut, throttled: retry with back-off.
    Failed {
        error: String,
    },
    /// The password was refused: stop until the owner fixes it.
    AuthRefused {
        error: String,
    },
}

/// Claims up to `limit` due mailboxes for `owner` until `now + lease`, most overdue first,
/// in one statement. The outer condition repeats "due and unleased", so on PostgreSQL a
/// row another process claimed meanwhile is re-checked and left alone; `SKIP LOCKED` lets
/// concurrent claimers take different rows instead of queueing on the same ones. SQLite
/// runs one writer at a time, which makes the statement atomic by itself.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    owner: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> ServiceResult<Vec<i64>> {
    let backend = db.get_database_backend();
    let (p, lock) = match backend {
        DbBackend::Postgres => (["$1", "$2", "$3", "$4"], " FOR UPDATE SKIP LOCKED"),
        _ => (["?1", "?2", "?3", "?4"], ""),
    };
    let due = format!(
        "next_sync_at <= {now} AND (lease_until IS NULL OR lease_until < {now})",
        now = p[2]
    );
    let sql = format!(
        "UPDATE mailboxes SET lease_owner = {owner}, lease_until = {until} \
         WHERE {due} AND id IN (SELECT id FROM mailboxes WHERE {due} \
         ORDER BY next_sync_at LIMIT {limit}{lock}) RETURNING id",
        owner = p[0],
        until = p[1],
        limit = p[3],
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [owner.into(), (now + lease).into(), now.into(), limit.into()],
        ))
        .await?;
    let mut claimed = rows
        .iter()
        .map(|row| row.try_get::<i64>("", "id"))
        .collect::<Result<Vec<_>, _>>()?;
    claimed.sort_unstable();
    Ok(claimed)
}

/// Back-off after `failures` failed runs in a row: 30 s doubling, capped at the plan's interval.
pub fn backoff(failures: u32, plan: Plan) -> Duration {
    let cap = Duration::minutes(i64::from(plan.sync_interval_minutes()));
    let step = Duration::seconds(30i64.saturating_mul(1i64 << failures.min(20)));
    step.min(cap)
}

/// Records a run's outcome, sets the next run and gives the lease back. Only the lease's
/// holder may do so: a process whose lease was taken over changes nothing. A **Sync now**
/// (or new mail seen by IDLE) that came while the run was under way — `next_sync_at` moved
/// past `claimed_at` — is kept: the mailbox stays due and runs again at once.
pub async fn finish(
    db: &impl ConnectionTrait,
    id: i64,
    owner: &str,
    outcome: Outcome,
    claimed_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let Some(row) = mailbox::Entity::find_by_id(id).one(db).await? else {
        return Ok(false);
    };
    let Some(ws) = workspace::Entity::find_by_id(row.workspace_id)
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let plan = ws.plan();
    let interval = Duration::minutes(i64::from(plan.sync_interval_minutes()));
    let failures = u32::try_from(row.sync_failures).unwrap_or(0);
    let asked_meanwhile = row.next_sync_at.filter(|at| *at > claimed_at);
    let (status, next, failures, error, last_sync) = match outcome {
        Outcome::Synced => (
            MailboxStatus::Ready,
            Some(now + interval),
            0,
            None,
            Some(now),
        ),
        Outcome::Failed { error } => (
            MailboxStatus::Failing,
            Some(now + backoff(failures, plan)),
            failures.saturating_add(1),
            Some(error),
            row.last_sync_at,
        ),
        Outcome::AuthRefused { error } => (
            MailboxStatus::NeedsReconnect,
            None,
            failures.saturating_add(1),
            Some(error),
            row.last_sync_at,
        ),
    };
    let next = match (next, asked_meanwhile) {
        (Some(next), Some(asked)) => Some(next.min(asked)),
        (next, _) => next,
    };
    let result = mailbox::Entity::update_many()
        .col_expr(mailbox::Column::Status, Expr::value(status.as_str()))
        .col_expr(mailbox::Column::NextSyncAt, Expr::value(next))
        .col_expr(mailbox::Column::LastSyncAt, Expr::value(last_sync))
        .col_expr(
            mailbox::Column::SyncFailures,
            Expr::value(i32::try_from(failures).unwrap_or(i32::MAX)),
        )
        .col_expr(mailbox::Column::LastError, Expr::value(error))
        .col_expr(
            mailbox::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            mailbox::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(mailbox::Column::Id.eq(id))
        .filter(mailbox::Column::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Extends the leases this process still holds (the heartbeat), so no one takes them over.
/// Returns the ones it still holds: a lease missing from the answer was taken over by
/// another process (this one stalled past it), and its run must stop.
pub async fn renew(
    db: &impl ConnectionTrait,
    owner: &str,
    ids: &[i64],
    until: DateTime<Utc>,
) -> ServiceResult<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    mailbox::Entity::update_many()
        .col_expr(mailbox::Column::LeaseUntil, Expr::value(until))
        .filter(mailbox::Column::Id.is_in(ids.iter().copied()))
        .filter(mailbox::Column::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(mailbox::Entity::find()
        .select_only()
        .column(mailbox::Column::Id)
        .filter(mailbox::Column::Id.is_in(ids.iter().copied()))
        .filter(mailbox::Column::LeaseOwner.eq(owner))
        .into_tuple::<i64>()
        .all(db)
        .await?)
}

/// Gives back leases of runs that stopped without an outcome (a clean shutdown cancelled
/// them): due at once, so another process or the restarted one takes them straight away.
pub async fn release(
    db: &impl ConnectionTrait,
    owner: &str,
    ids: &[i64],
    now: DateTime<Utc>,
) -> ServiceResult<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let result = mailbox::Entity::update_many()
        .col_expr(
            mailbox::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            mailbox::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(mailbox::Column::NextSyncAt, Expr::value(now))
        .filter(mailbox::Column::Id.is_in(ids.iter().copied()))
        .filter(mailbox::Column::LeaseOwner.eq(owner))
        .filter(mailbox::Column::NextSyncAt.is_not_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// At start: gives back the leases of this instance's previous process, i.e. owners that
/// begin with `instance` (host and listening address, which only one live process can
/// hold) other than `owner` itself. A process killed mid-run and restarted resumes at
/// once instead of waiting for its old leases to lapse. Their `next_sync_at` is kept:
/// an interrupted run was due, so it is still due.
pub async fn release_instance(
    db: &impl ConnectionTrait,
    instance: &str,
    owner: &str,
) -> ServiceResult<u64> {
    let backend = db.get_database_backend();
    let p = match backend {
        DbBackend::Postgres => ["$1", "$2"],
        _ => ["?1", "?2"],
    };
    // `substr` with a literal length: the same on SQLite and PostgreSQL, and no LIKE
    // wildcards to escape in host names.
    let sql = format!(
        "UPDATE mailboxes SET lease_owner = NULL, lease_until = NULL \
         WHERE substr(lease_owner, 1, {len}) = {instance} AND lease_owner <> {owner}",
        len = instance.chars().count(),
        instance = p[0],
        owner = p[1],
    );
    let result = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [instance.into(), owner.into()],
        ))
        .await?;
    Ok(result.rows_affected())
}

/// `next_due`'s query. A mailbox is due at its next_sync_at, or when its lease lapses if
/// that is later. The earliest of those is the earlier of two first rows, each read off an
/// index: the earliest due time of a mailbox whose lease does not outlast it
/// (`idx_mailboxes_next_sync_at`), and the earliest lease that outlasts its mailbox's due
/// time (`idx_mailboxes_lease_until`, partial: only mailboxes being synced hold a lease).
/// One expression over both columns would read every mailbox on each of the scheduler's
/// looks. Public for the test of its plan.
pub const NEXT_DUE: &str = "SELECT \
    (SELECT next_sync_at FROM mailboxes WHERE next_sync_at IS NOT NULL \
       AND (lease_until IS NULL OR lease_until <= next_sync_at) \
       ORDER BY next_sync_at LIMIT 1) AS due, \
    (SELECT lease_until FROM mailboxes WHERE lease_until IS NOT NULL \
       AND next_sync_at IS NOT NULL AND lease_until > next_sync_at \
       ORDER BY lease_until LIMIT 1) AS lapse";

/// When the scheduler should look next: the earliest time a scheduled mailbox is due and
/// its lease (if any) has lapsed. A crashed holder's lease is thus taken over the moment
/// it lapses, not a poll interval later.
pub async fn next_due(db: &impl ConnectionTrait) -> ServiceResult<Option<DateTime<Utc>>> {
    let backend = db.get_database_backend();
    let Some(row) = db
        .query_one_raw(Statement::from_string(backend, NEXT_DUE))
        .await?
    else {
        return Ok(None);
    };
    let due = row.try_get::<Option<DateTime<Utc>>>("", "due")?;
    let lapse = row.try_get::<Option<DateTime<Utc>>>("", "lapse")?;
    Ok(due.into_iter().chain(lapse).min())
}

/// Makes a mailbox due at once (a run in progress finishes first, then runs again). A
/// mailbox stopped by a refused password stays stopped: only a new password resumes it.
/// Returns whether the mailbox was made due.
pub async fn sync_now(db: &impl ConnectionTrait, mailbox_id: i64) -> ServiceResult<bool> {
    let result = mailbox::Entity::update_many()
        .col_expr(mailbox::Column::NextSyncAt, Expr::value(Utc::now()))
        .filter(mailbox::Column::Id.eq(mailbox_id))
        .filter(mailbox::Column::Status.ne(MailboxStatus::NeedsReconnect.as_str()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// A plan change: every scheduled mailbox of the workspace moves to its last run plus
/// the new interval (at once if that is past), never later than it already was.
pub async fn reschedule_workspace(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    plan: Plan,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let interval = Duration::minutes(i64::from(plan.sync_interval_minutes()));
    let rows = mailbox::Entity::find()
        .filter(mailbox::Column::WorkspaceId.eq(workspace_id))
        .filter(mailbox::Column::NextSyncAt.is_not_null())
        .all(db)
        .await?;
    for row in rows {
        let by_plan = row
            .last_sync_at
            .map_or(now, |last| (last + interval).max(now));
        let next = row.next_sync_at.map_or(by_plan, |old| old.min(by_plan));
        mailbox::Entity::update_many()
            .col_expr(mailbox::Column::NextSyncAt, Expr::value(next))
            .filter(mailbox::Column::Id.eq(row.id))
            .exec(db)
            .await?;
    }
    Ok(())
}
