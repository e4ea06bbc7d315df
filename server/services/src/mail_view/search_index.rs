//! The full-text index's catch-up: inserted rows wait on `message_search_queue` until
//! indexed here, in short batches so the sync and users' clicks share the database
//! between them (migration `m20261201_000110_search_queue`).
//!
//! Two callers: a background task that drains the queue while the server runs, and search,
//! which first indexes what is queued (up to a bound) so it matches every stored message.
//! On PostgreSQL several servers may drain one queue: a batch skips rows another holds.

use crate::{
    db::retry_busy,
    error::ServiceResult,
    migration::{
        m20261130_000050_message_search::sqlite_insert_delete,
        m20261201_000110_search_queue::POSTGRES_VECTOR,
    },
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionSession, TransactionTrait,
};
use std::time::Duration;

/// Rows indexed per transaction: tens of milliseconds of writing, so others wait little.
pub const BATCH: u64 = 500;
/// How often the background task looks at the queue when it found it empty.
pub const IDLE_POLL: Duration = Duration::from_secs(1);
/// While a sync keeps adding to the queue, the wait after a batch is this many times what
/// the batch took: the sync has the writer four fifths of the time.
pub const SYNC_RUNNING_SHARE: u32 = 4;
/// The longest such wait.
pub const MAX_PAUSE: Duration = Duration::from_secs(2);

/// Indexes queued rows, oldest id first, until the queue is empty or `at_most` rows were
/// taken off it. Returns how many rows are still queued. An empty queue costs one read
/// (no write transaction), so searches do not queue up behind each other.
pub async fn catch_up(
    db: &(impl ConnectionTrait + TransactionTrait),
    at_most: u64,
) -> ServiceResult<u64> {
    let mut done = 0;
    loop {
        if !any_queued(db).await? {
            return Ok(0);
        }
        if done >= at_most {
            return queued(db).await;
        }
        let taken = retry_busy(|| index_batch(db, BATCH.min(at_most - done))).await?;
        if taken == 0 {
            // PostgreSQL: every queued row is in another server's batch right now.
            return queued(db).await;
        }
        done += taken;
    }
}

async fn any_queued(db: &impl ConnectionTrait) -> ServiceResult<bool> {
    let sql = "SELECT count(*) AS n FROM (SELECT 1 FROM message_search_queue LIMIT 1) AS q";
    Ok(count(db, sql).await? > 0)
}

/// Rows still waiting for the index.
pub async fn queued(db: &impl ConnectionTrait) -> ServiceResult<u64> {
    count(db, "SELECT count(*) AS n FROM message_search_queue").await
}

/// The `n` that `sql` selects (0 for no row).
async fn count(db: &impl ConnectionTrait, sql: &str) -> ServiceResult<u64> {
    let statement = Statement::from_string(db.get_database_backend(), sql);
    let n: i64 = match db.query_one_raw(statement).await? {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// One transaction: up to `limit` queued rows indexed and taken off the queue. Returns
/// how many were taken.
async fn index_batch(
    db: &(impl ConnectionTrait + TransactionTrait),
    limit: u64,
) -> ServiceResult<u64> {
    match db.get_database_backend() {
        DbBackend::Postgres => postgres_batch(db, limit).await,
        _ => sqlite_batch(db, limit).await,
    }
}

/// SQLite: the insert takes the write lock first, so the delete removes exactly what it
/// indexed.
async fn sqlite_batch(
    db: &(impl ConnectionTrait + TransactionTrait),
    limit: u64,
) -> ServiceResult<u64> {
    let txn = db.begin().await?;
    let first = format!("SELECT id FROM message_search_queue ORDER BY id LIMIT {limit}");
    let (index, _) = sqlite_insert_delete("m");
    txn.execute_unprepared(&format!(
        "{index} FROM messages AS m WHERE m.id IN ({first})"
    ))
    .await?;
    let taken = txn
        .execute_unprepared(&format!(
            "DELETE FROM message_search_queue WHERE id IN ({first})"
        ))
        .await?
        .rows_affected();
    txn.commit().await?;
    Ok(taken)
}

/// PostgreSQL: one statement takes a batch off the queue and sets those rows' vectors.
/// It never waits for a lock: queue entries another server's batch holds are skipped, and
/// so are rows an open transaction is writing (a sync storing bodies holds its rows while
/// it queues them, so it may wait for this batch's queue entries: waiting for its rows
/// here would deadlock). Skipped rows stay queued for a later batch; entries of rows
/// deleted since they were queued are dropped. The rows get the lock their UPDATE takes
/// anyway (`NO KEY UPDATE`), which does not stop other tables' foreign key checks.
///
/// Each set of ids is an array computed once (`= ANY(ARRAY(…))`), its rows then found by
/// the primary key whatever the statistics say. Joined as `IN (SELECT …)`, PostgreSQL, its
/// statistics taken while `messages` was smaller, hashed the batch and read the whole
/// table twice for each 500 rows (docs/benchmarks.md, fortieth round).
async fn postgres_batch(db: &impl ConnectionTrait, limit: u64) -> ServiceResult<u64> {
    let sql = format!(
        "WITH picked AS (SELECT id FROM message_search_queue ORDER BY id LIMIT {limit} \
         FOR UPDATE SKIP LOCKED), \
         held AS (SELECT id FROM messages WHERE id = ANY(ARRAY(SELECT id FROM picked)) \
         FOR NO KEY UPDATE SKIP LOCKED), \
         existing AS (SELECT id FROM messages WHERE id = ANY(ARRAY(SELECT id FROM picked))), \
         batch AS (DELETE FROM message_search_queue AS q \
         WHERE q.id = ANY(ARRAY(SELECT id FROM picked)) \
         AND (q.id = ANY(ARRAY(SELECT id FROM held)) \
         OR q.id <> ALL(ARRAY(SELECT id FROM existing))) \
         RETURNING q.id), \
         indexed AS (UPDATE messages AS m SET search = {POSTGRES_VECTOR} \
         WHERE m.id = ANY(ARRAY(SELECT id FROM held)) RETURNING 1) \
         SELECT count(*) AS n FROM batch"
    );
    count(db, &sql).await
}

/// Starts the background catch-up (once per server process). A failed batch is logged
/// and tried again on the next poll; nothing is lost, the rows stay queued.
pub fn start(db: DatabaseConnection) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut before = None;
        loop {
            let started = std::time::Instant::now();
            match catch_up(&db, BATCH).await {
                Ok(left) if left > 0 => {
                    match pause(before, left, started.elapsed()) {
                        Some(wait) => tokio::time::sleep(wait).await,
                        // Let other tasks run between batches.
                        None => tokio::task::yield_now().await,
                    }
                    before = Some(left);
                }
                Ok(_) => {
                    before = None;
                    tokio::time::sleep(IDLE_POLL).await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "search index catch-up failed; retrying");
                    tokio::time::sleep(IDLE_POLL).await;
                }
            }
        }
    })
}

/// How long the background task waits before its next batch, given what was queued
/// after the previous batch, what is queued now and how long this batch took. A queue
/// that did not shrink although a batch was taken off it means a sync is storing mail
/// faster than it is indexed: the task then takes at most a fifth of the time (SQLite's
/// one writer, and the cores), and drains the queue at full pace once the sync is done.
pub fn pause(before: Option<u64>, left: u64, batch_took: Duration) -> Option<Duration> {
    match before {
        Some(before) if left >= before => Some((batch_took * SYNC_RUNNING_SHARE).min(MAX_PAUSE)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_only_while_the_queue_grows_despite_the_batches() {
        let took = Duration::from_millis(100);
        let waits = Some(Duration::from_millis(400));
        assert_eq!(pause(None, 10_000, took), None, "first batch of a backlog");
        assert_eq!(pause(Some(10_000), 9_500, took), None, "draining");
        assert_eq!(pause(Some(9_500), 9_700, took), waits);
        assert_eq!(pause(Some(9_700), 9_700, took), waits);
        assert_eq!(
            pause(Some(9_700), 9_700, Duration::from_secs(9)),
            Some(MAX_PAUSE)
        );
        assert_eq!(pause(Some(9_700), 9_200, took), None, "the sync is done");
    }
}
