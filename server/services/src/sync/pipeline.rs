//! Whole messages in byte-bounded batches, newest first, in three overlapping steps: batch
//! n+2 downloads while batch n+1 is parsed and batch n written, each batch on a task of its
//! own; the batches take their quota in order and write in order, or side by side on
//! PostgreSQL (a [`Turn`]). One UID FETCH asks for several batches, cut from its answer as
//! it arrives. Shared by the body pass (bodies of rows the header pass
//! stored) and the rest of the new mail (complete rows, `complete.rs`), which differ only
//! in how a batch is stored and what becomes of what did not fit; one stream may carry
//! both (a batch holds one kind: `Pending::new_row`).

use super::{
    complete::{timed, within},
    error::SyncError,
    fetch::{self, Body, ImapSession, Meta},
    fetch_bounds::{FETCHES_IN_FLIGHT, FetchBounds, fetches},
    progress::{self, Counts, Phase},
    run_task::RunTask,
    store::{self, FolderKey, Pending, Quota},
    turn::{Line, Turn},
};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use tokio::time::Instant;

/// A batch being parsed and stored; aborted if the run is dropped first.
pub type StoreTask = RunTask<Result<Stored, SyncError>>;

/// What a batch's task did: messages it accounted for (and added to the folder's counts,
/// [`progress::advance`]), and UIDs whose bytes went over the limit on the wire and are left
/// to the caller.
pub struct Stored {
    pub rows: usize,
    pub too_large: Vec<i64>,
    /// New rows (their headers count too), not bodies of rows there.
    pub new_rows: bool,
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
    fn count(&mut self, rows: usize, new_rows: bool) {
        self.counts.bodies_done += rows as i64;
        if new_rows {
            self.counts.headers_done += rows as i64;
        }
    }

    /// Counts rows stored outside the batches and reports the folder's counts.
    pub async fn add(&mut self, db: &DatabaseConnection, rows: usize) -> Result<(), SyncError> {
        if rows == 0 {
            return Ok(());
        }
        self.count(rows, self.new_rows);
        progress::report(db, self.folder_id, Phase::Bodies, self.counts).await?;
        Ok(())
    }
}

/// Fetches `wanted` (newest first) whole, handing each batch to `store` with its [`Turn`]
/// while the rest downloads, and waits for the last. One UID FETCH asks for several
/// batches ([`fetches`]), and the next is asked for while it is answered
/// ([`FETCHES_IN_FLIGHT`]): their answers are cut into batches as they arrive, so a link's
/// round trip is paid once, not once a batch or a fetch. At most two batches are in store
/// at once (each parsing, waiting or writing) beside the one downloading. The folder's
/// counts are reported first; each batch then adds itself to them in its own transaction
/// ([`progress::advance`]). A fetch is asked for only while the quota has room or older
/// bodies could make it. With `then`, once the FETCH of flags, dates and sizes sent ahead
/// ([`fetch::Answers::ask_meta`]) has been answered beside these fetches, what `then` makes
/// of its answer is fetched in the same stream: asked for while these are still coming.
#[allow(clippy::too_many_arguments)]
pub async fn fetch_whole(
    (session, answers): (&mut ImapSession, &mut fetch::Answers),
    db: &DatabaseConnection,
    key: FolderKey,
    limits: &FetchBounds,
    quota: &Quota,
    (wanted, mut then): (&[Pending], Option<impl FnOnce(Vec<Meta>) -> Vec<Pending>>),
    tally: &mut Tally,
    store: impl Fn(Vec<(Pending, Body)>, Turn) -> StoreTask,
) -> Result<Leftover, SyncError> {
    progress::report(db, tally.folder_id, Phase::Bodies, tally.counts).await?;
    let mut left = Leftover::default();
    let mut in_store = InStore::default();
    let mut all = fetches(wanted, limits);
    let mut n = 0;
    let mut by_uid: HashMap<i64, Pending> = HashMap::new();
    let mut batch = Batch::default();
    // Each batch's download is bounded as a command of its own was.
    let mut deadline = Instant::now() + limits.command_timeout;
    loop {
        // Not once the quota has no room: the caller then fetches that part on its own,
        // looking again for older bodies to make room with.
        if then.is_some()
            && left.no_room.is_empty()
            && let Some(metas) = answers.ended_metas()
            && let Some(then) = then.take()
        {
            all.extend(fetches(&then(metas), limits));
        }
        while answers.in_flight() < FETCHES_IN_FLIGHT && left.no_room.is_empty() {
            let Some(asked) = all.get(n) else { break };
            n += 1;
            if asked.is_empty() {
                continue;
            }
            if quota.is_full()
                && !store::has_older_bodies(db, key.mailbox_id, asked[0].received_at).await?
            {
                left.no_room = all[n - 1..].iter().flatten().copied().collect();
                break;
            }
            by_uid.extend(asked.iter().map(|p| (p.uid, *p)));
            let uids: Vec<i64> = asked.iter().map(|p| p.uid).collect();
            let declared: i64 = asked.iter().map(|p| p.size.max(0)).sum();
            within(deadline, answers.ask(session, &uids, declared)).await?;
        }
        let (uid, body) = match within(deadline, answers.next(session)).await? {
            None => break,
            Some(fetch::Answer::Ended) => {
                deadline = Instant::now() + limits.command_timeout;
                continue;
            }
            Some(fetch::Answer::Message(uid, body)) => (uid, body),
        };
        let Some(p) = by_uid.remove(&uid) else {
            continue;
        };
        if in_store
            .add(&mut batch, (p, body), limits, (&store, tally, &mut left))
            .await?
        {
            deadline = Instant::now() + limits.command_timeout;
        }
    }
    // Those cut by an answer's budget, each asked for alone and batched as the rest.
    for uid in std::mem::take(&mut answers.again) {
        let Some(p) = by_uid.remove(&uid) else {
            continue;
        };
        let body = timed(limits.command_timeout, answers.alone(session, uid)).await?;
        in_store
            .add(&mut batch, (p, body), limits, (&store, tally, &mut left))
            .await?;
    }
    if !batch.items.is_empty() {
        in_store
            .hand_over(batch.take(), &store, tally, &mut left)
            .await?;
    }
    in_store.drain(tally, &mut left).await?;
    Ok(left)
}

/// The batch being filled from a fetch's answer.
#[derive(Default)]
struct Batch {
    items: Vec<(Pending, Body)>,
    bytes: i64,
    started: Option<Instant>,
}

impl Batch {
    fn push(&mut self, p: Pending, body: Body) {
        self.started.get_or_insert_with(Instant::now);
        self.bytes += bytes_of(&body);
        self.items.push((p, body));
    }

    /// Whether `body` would take the batch over `body_batch` messages or
    /// `body_batch_bytes` (a single larger message goes alone), or `p` is of the other
    /// kind (a new row, or the body of a row there).
    fn is_full_before(&self, (p, body): (&Pending, &Body), limits: &FetchBounds) -> bool {
        self.items.first().is_some_and(|(first, _)| {
            self.items.len() >= limits.body_batch
                || self.bytes + bytes_of(body) > limits.body_batch_bytes
                || first.new_row.is_some() != p.new_row.is_some()
        })
    }

    fn take(&mut self) -> Batch {
        std::mem::take(self)
    }
}

fn bytes_of(body: &Body) -> i64 {
    match body {
        Body::Kept(bytes) => bytes.len() as i64,
        Body::TooLarge => 0,
    }
}

/// The batches in store: the one before the last handed over (writing, or waiting for its
/// turn) and the last one (parsing), in line for their turns.
#[derive(Default)]
struct InStore {
    older: Option<StoreTask>,
    newer: Option<StoreTask>,
    line: Line,
    handed: usize,
}

impl InStore {
    /// Adds `item` to `batch`, handing the batch over first when `item` would take it over
    /// its bounds; whether it did.
    async fn add(
        &mut self,
        batch: &mut Batch,
        (p, body): (Pending, Body),
        limits: &FetchBounds,
        (store, tally, left): (
            &impl Fn(Vec<(Pending, Body)>, Turn) -> StoreTask,
            &mut Tally,
            &mut Leftover,
        ),
    ) -> Result<bool, SyncError> {
        let full = batch.is_full_before((&p, &body), limits);
        if full {
            self.hand_over(batch.take(), store, tally, left).await?;
        }
        batch.push(p, body);
        Ok(full)
    }

    /// Waits for the older batch, then hands `batch` to `store`.
    async fn hand_over(
        &mut self,
        batch: Batch,
        store: &impl Fn(Vec<(Pending, Body)>, Turn) -> StoreTask,
        tally: &mut Tally,
        left: &mut Leftover,
    ) -> Result<(), SyncError> {
        let t1 = Instant::now();
        finish(self.older.take(), tally, left).await?;
        self.older = self.newer.take();
        tracing::debug!(
            batch = self.handed,
            download_ms = batch.started.map_or(0, |t| (t1 - t).as_millis() as u64),
            wait_ms = t1.elapsed().as_millis() as u64,
            "batch"
        );
        self.handed += 1;
        self.newer = Some(store(batch.items, self.line.turn()));
        Ok(())
    }

    /// Waits for both batches still in store, in their order.
    async fn drain(&mut self, tally: &mut Tally, left: &mut Leftover) -> Result<(), SyncError> {
        finish(self.older.take(), tally, left).await?;
        finish(self.newer.take(), tally, left).await
    }
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
    tally.count(stored.rows, stored.new_rows);
    Ok(())
}
