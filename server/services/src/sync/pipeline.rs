//! Whole messages in byte-bounded batches, newest first, in three overlapping steps: batch
//! n+2 downloads while batch n+1 is parsed and batch n written, each batch on a task of its
//! own; the batches take their quota in order and write in order, or side by side on
//! PostgreSQL (a [`Turn`]). Shared by the body pass (bodies of rows the header pass
//! stored) and the rest of the new mail (complete rows, `complete.rs`), which differ only
//! in how a batch is stored and what becomes of what did not fit.

use super::{
    complete::timed,
    error::SyncError,
    fetch::{self, Body, ImapSession},
    fetch_bounds::{FetchBounds, batches},
    progress::{self, Counts, Phase},
    run_task::RunTask,
    store::{self, FolderKey, Pending, Quota},
    turn::{Line, Turn},
};
use sea_orm::DatabaseConnection;

/// A batch being parsed and stored; aborted if the run is dropped first.
pub type StoreTask = RunTask<Result<Stored, SyncError>>;

/// What a batch's task did: messages it accounted for (and added to the folder's counts,
/// [`progress::advance`]), and UIDs whose bytes went over the limit on the wire and are left
/// to the caller.
pub struct Stored {
    pub rows: usize,
    pub too_large: Vec<i64>,
}

/// What the batches left to the caller.
#[derive(Default)]
pub struct Leftover {
    /// Over the per-message limit on the wire (the server's declared size was lower).
    pub cut_on_wire: Vec<i64>,
    /// No room in the quota and nothing older to push out: this and every older message.
    pub no_room: Vec<Pending>,
}

/// A folder's "n of m" while batches are stored.
pub struct Tally {
    pub folder_id: i64,
    pub counts: Counts,
    /// Stored batches are new rows (their headers count too), not bodies of rows there.
    pub new_rows: bool,
}

impl Tally {
    /// Counts a batch whose transaction already added it to the folder's row
    /// ([`progress::advance`]).
    fn count(&mut self, rows: usize) {
        self.counts.bodies_done += rows as i64;
        if self.new_rows {
            self.counts.headers_done += rows as i64;
        }
    }

    /// Counts rows stored outside the batches and reports the folder's counts.
    pub async fn add(&mut self, db: &DatabaseConnection, rows: usize) -> Result<(), SyncError> {
        if rows == 0 {
            return Ok(());
        }
        self.count(rows);
        progress::report(db, self.folder_id, Phase::Bodies, self.counts).await?;
        Ok(())
    }
}

/// Fetches `wanted` (newest first) whole, handing each batch to `store` with its [`Turn`]
/// while the next one downloads, and waits for the last. At most two batches are in store
/// at once (each parsing, waiting or writing) beside the one downloading. The folder's
/// counts are reported first; each batch then adds itself to them in its own transaction
/// ([`progress::advance`]).
#[allow(clippy::too_many_arguments)]
pub async fn fetch_whole(
    session: &mut ImapSession,
    db: &DatabaseConnection,
    key: FolderKey,
    limits: &FetchBounds,
    quota: &Quota,
    wanted: &[Pending],
    tally: &mut Tally,
    store: impl Fn(Vec<(Pending, Body)>, Turn) -> StoreTask,
) -> Result<Leftover, SyncError> {
    progress::report(db, tally.folder_id, Phase::Bodies, tally.counts).await?;
    let mut left = Leftover::default();
    // The batch before the last one handed over (writing, or waiting for its turn), and the
    // last one (parsing); the last one's end, which the next batch waits for.
    let (mut older, mut newer): (Option<StoreTask>, Option<StoreTask>) = (None, None);
    let mut line = Line::default();
    let all = batches(wanted, limits);
    for (n, batch) in all.iter().enumerate() {
        let newest = batch
            .first()
            .map_or(chrono::DateTime::UNIX_EPOCH, |p| p.received_at);
        if quota.is_full() && !store::has_older_bodies(db, key.mailbox_id, newest).await? {
            left.no_room = all[n..].iter().flatten().copied().collect();
            break;
        }
        let uids: Vec<i64> = batch.iter().map(|p| p.uid).collect();
        let declared: i64 = batch.iter().map(|p| p.size.max(0)).sum();
        let t0 = std::time::Instant::now();
        let raw = timed(
            limits.command_timeout,
            fetch::bodies(session, &uids, declared, limits.max_message_bytes),
        )
        .await?;
        let t1 = std::time::Instant::now();
        finish(older.take(), tally, &mut left).await?;
        older = newer.take();
        tracing::debug!(
            batch = n,
            download_ms = (t1 - t0).as_millis() as u64,
            wait_ms = t1.elapsed().as_millis() as u64,
            "batch"
        );
        let items: Vec<(Pending, Body)> = raw
            .into_iter()
            .filter_map(|(uid, body)| Some((*batch.iter().find(|p| p.uid == uid)?, body)))
            .collect();
        newer = Some(store(items, line.turn()));
    }
    finish(older.take(), tally, &mut left).await?;
    finish(newer.take(), tally, &mut left).await?;
    Ok(left)
}

/// Waits for a batch being stored and counts it.
async fn finish(
    task: Option<StoreTask>,
    tally: &mut Tally,
    left: &mut Leftover,
) -> Result<(), SyncError> {
    let Some(task) = task else { return Ok(()) };
    let stored = task
        .join()
        .await
        .map_err(|e| SyncError::Imap(format!("store task failed: {e}")))??;
    left.cut_on_wire.extend(stored.too_large);
    tally.count(stored.rows);
    Ok(())
}
