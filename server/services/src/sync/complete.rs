//! The rest of a folder's new mail, after the header pass stored the newest batch: each
//! message fetched once as a whole (`BODY.PEEK[]` after a small FETCH of flags, dates and
//! sizes), parsed on every core while the next batch downloads, and inserted once as a
//! complete row. No header is downloaded twice and no row is written twice.
//!
//! A run cut anywhere leaves those UIDs unstored, so the next run finds them missing and
//! fetches them again; the unique (folder, UIDVALIDITY, UID) key keeps a row from ever
//! being stored twice.

use super::{
    error::SyncError,
    fetch::{self, Body, ImapSession, Meta},
    fetch_bounds::FetchBounds,
    parse::{self, Content, Envelope},
    pipeline::{self, StoreTask, Stored, Tally},
    progress::Advance,
    run_task::RunTask,
    store::{self, FolderKey, HeaderRow, NewBody, Pending, Quota},
    turn::Turn,
};
use sea_orm::DatabaseConnection;
use std::time::Duration;

/// UIDs per FETCH of flags, dates and sizes (about 60 bytes of answer each, 1.2 MB for
/// them all): ten fetches of bodies at the default bounds. Each part after the first
/// costs about two round trips of a link (its own fetch, and its first fetch of bodies;
/// the first part's goes ahead of the newest rows' bodies where there are some): with
/// 5,000 a part a 100k first sync over a 200 ms round trip took 34–36 s instead of 29 s
/// (docs/benchmarks.md, forty-fifth round). A set with gaps is cut shorter
/// ([`fetch::in_short_sets`]).
const META_CHUNK: usize = 20_000;

/// Where the rest of one folder goes, and how far the folder's counts are.
pub struct Rest<'a> {
    pub db: &'a DatabaseConnection,
    pub key: FolderKey,
    pub limits: &'a FetchBounds,
    pub quota: &'a Quota,
    pub tally: Tally,
}

/// The parts the rest of the new mail is fetched in, newest first: [`META_CHUNK`] UIDs,
/// each a FETCH of flags, dates and sizes, then its bodies.
pub fn parts(uids: &[i64]) -> impl Iterator<Item = &[i64]> {
    uids.chunks(META_CHUNK)
        .flat_map(|chunk| fetch::in_short_sets(chunk, |u| *u))
}

/// What became of the rest's first part where it was fetched in the pending bodies' stream
/// (`pending::bodies`): UIDs over the size limit (never asked for), with no room in the
/// quota, and cut on the wire. Each gets its header row from the rest.
#[derive(Debug, Default)]
pub struct First {
    pub too_large: Vec<i64>,
    pub no_room: Vec<i64>,
    pub cut_on_wire: Vec<i64>,
}

/// What a FETCH of flags, dates and sizes told, newest first: the UIDs over the size limit,
/// and the messages to fetch whole as new rows.
pub fn wanted_of(mut metas: Vec<Meta>, limits: &FetchBounds) -> (Vec<i64>, Vec<Pending>) {
    metas.sort_unstable_by_key(|m| std::cmp::Reverse(m.uid));
    let (too_large, wanted): (Vec<Meta>, Vec<Meta>) = metas
        .into_iter()
        .partition(|m| m.size > limits.max_message_bytes);
    let wanted = wanted
        .into_iter()
        .map(|m| Pending {
            uid: m.uid,
            size: m.size,
            received_at: m.received_at,
            new_row: Some(m.flags),
        })
        .collect();
    (too_large.into_iter().map(|m| m.uid).collect(), wanted)
}

/// A batch of new rows being parsed and inserted ([`parse_and_insert`]).
pub fn insert_task(
    db: &DatabaseConnection,
    key: FolderKey,
    items: Vec<(Pending, Body)>,
    quota: &Quota,
    turn: Turn,
) -> StoreTask {
    let items = items
        .into_iter()
        .map(|(p, body)| {
            let meta = Meta {
                uid: p.uid,
                flags: p.new_row.unwrap_or_default(),
                received_at: p.received_at,
                size: p.size,
            };
            (meta, body)
        })
        .collect();
    RunTask::spawn(parse_and_insert(
        db.clone(),
        key,
        items,
        quota.clone(),
        turn,
    ))
}

impl Rest<'_> {
    /// Stores the messages of `uids` (newest first) as complete rows, each part's flags,
    /// dates and sizes asked for on `answers` ([`fetch::Answers::ask_meta`]), the first
    /// part's maybe ahead already, or the first part fetched already (`first`).
    pub async fn store(
        &mut self,
        (session, answers): (&mut ImapSession, &mut fetch::Answers),
        uids: &[i64],
        first: Option<First>,
    ) -> Result<(), SyncError> {
        let mut ahead = answers.meta_asked();
        let mut parts = parts(uids);
        if let Some(first) = first {
            parts.next();
            self.leftover(session, first).await?;
        }
        for part in parts {
            let t = self.limits.command_timeout;
            let asked = std::mem::take(&mut ahead);
            let metas = async {
                if !asked {
                    answers.ask_meta(session, part).await?;
                }
                answers.metas(session).await
            };
            let metas = timed(t, metas).await?;
            let (too_large, wanted) = wanted_of(metas, self.limits);
            self.headers_only(session, &too_large, NewBody::TooLarge)
                .await?;
            let (db, key, quota) = (self.db, self.key, self.quota);
            let left = pipeline::fetch_whole(
                (&mut *session, &mut *answers),
                db,
                key,
                self.limits,
                quota,
                (&wanted, None::<fn(Vec<Meta>) -> Vec<Pending>>),
                &mut self.tally,
                |items, turn| insert_task(db, key, items, quota, turn),
            )
            .await?;
            let first = First {
                too_large: Vec::new(),
                no_room: left.no_room.iter().map(|p| p.uid).collect(),
                cut_on_wire: left.cut_on_wire,
            };
            self.leftover(session, first).await?;
        }
        Ok(())
    }

    /// Header rows for what was not fetched whole: too large, or no room in the quota.
    async fn leftover(&mut self, session: &mut ImapSession, part: First) -> Result<(), SyncError> {
        self.headers_only(session, &part.too_large, NewBody::TooLarge)
            .await?;
        self.headers_only(session, &part.no_room, NewBody::OverQuota)
            .await?;
        self.headers_only(session, &part.cut_on_wire, NewBody::TooLarge)
            .await
    }

    /// Messages kept without their bodies (too large, or no room in the quota): their
    /// header fields, in header-pass batches.
    async fn headers_only(
        &mut self,
        session: &mut ImapSession,
        uids: &[i64],
        body: NewBody,
    ) -> Result<(), SyncError> {
        for chunk in uids.chunks(self.limits.header_batch.max(1)) {
            let rows = timed(
                self.limits.command_timeout,
                fetch::headers(session, chunk, self.limits.header_limit()),
            )
            .await?
            .all();
            let n = rows.len();
            let rows = rows.into_iter().map(|r| (r, body.clone())).collect();
            store::insert_rows(self.db, self.key, rows, false, None).await?;
            self.tally.add(self.db, n).await?;
        }
        Ok(())
    }
}

/// Parses a batch on every core, then in its turn keeps what the quota allows (newest
/// first) and inserts the rows in one transaction.
async fn parse_and_insert(
    db: DatabaseConnection,
    key: FolderKey,
    items: Vec<(Meta, Body)>,
    quota: Quota,
    mut turn: Turn,
) -> Result<Stored, SyncError> {
    let mut too_large = Vec::new();
    let mut kept = Vec::with_capacity(items.len());
    for (meta, body) in items {
        match body {
            Body::Kept(bytes) => kept.push((meta, bytes)),
            Body::TooLarge => too_large.push(meta.uid),
        }
    }
    let t0 = std::time::Instant::now();
    let parsed = parsed_newest_first(kept).await?;
    let t1 = std::time::Instant::now();
    let bytes: i64 = parsed.iter().map(|(_, (_, c))| store::body_bytes(c)).sum();
    turn.wait_to_write(&db, &quota, bytes).await;
    let t2 = std::time::Instant::now();
    let rows = within_quota(&db, key, &quota, parsed).await?;
    turn.quota_taken();
    let n = rows.len();
    let advance = Advance::new_rows(key.folder_id, n);
    store::insert_rows(&db, key, rows, false, Some(advance)).await?;
    // Parsing, waiting for the batch before to finish writing, then quota and insert.
    tracing::debug!(
        parse_ms = (t1 - t0).as_millis() as u64,
        turn_ms = (t2 - t1).as_millis() as u64,
        insert_ms = t2.elapsed().as_millis() as u64,
        "stored"
    );
    Ok(Stored {
        rows: n,
        too_large,
        new_rows: true,
    })
}

/// Whole messages parsed on every core, off the async threads, newest first (as the quota
/// serves them).
pub async fn parsed_newest_first(
    items: Vec<(Meta, Vec<u8>)>,
) -> Result<Vec<(Meta, (Envelope, Content))>, SyncError> {
    let mut parsed =
        off_async_on_every_core(items, |(meta, bytes)| (*meta, parse::whole_or_raw(bytes))).await?;
    parsed.sort_by_key(|(meta, _)| std::cmp::Reverse((meta.received_at, meta.uid)));
    Ok(parsed)
}

/// Complete rows of `parsed` (newest first), each with its body where the quota has room
/// (older bodies pushed out to make it), else kept without it.
pub async fn within_quota(
    db: &DatabaseConnection,
    key: FolderKey,
    quota: &Quota,
    parsed: Vec<(Meta, (Envelope, Content))>,
) -> Result<Vec<(HeaderRow, NewBody)>, SyncError> {
    let mut rows = Vec::with_capacity(parsed.len());
    for (meta, (envelope, content)) in parsed {
        let bytes = store::body_bytes(&content);
        let body = match quota
            .take(db, key.mailbox_id, meta.received_at, bytes)
            .await?
        {
            true => NewBody::Stored(content),
            false => NewBody::OverQuota,
        };
        rows.push((meta.row(envelope), body));
    }
    Ok(rows)
}

/// [`on_every_core`] on a blocking thread of its own, off the async threads.
pub async fn off_async_on_every_core<T, R>(
    items: Vec<T>,
    f: fn(&T) -> R,
) -> Result<Vec<R>, SyncError>
where
    T: Sync + Send + 'static,
    R: Send + 'static,
{
    tokio::task::spawn_blocking(move || on_every_core(items, f))
        .await
        .map_err(|e| SyncError::Imap(format!("parse task failed: {e}")))
}

/// Maps `items` on every core (one scoped thread per share), keeping the order.
pub fn on_every_core<T: Sync, R: Send>(items: Vec<T>, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let share = items.len().div_ceil(threads).max(1);
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(share)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    })
}

/// Runs an IMAP step within the command timeout.
pub async fn timed<T>(
    limit: Duration,
    step: impl std::future::Future<Output = Result<T, SyncError>>,
) -> Result<T, SyncError> {
    within(tokio::time::Instant::now() + limit, step).await
}

/// Runs an IMAP step, or gives [`SyncError::Timeout`] once `deadline` has passed.
pub async fn within<T>(
    deadline: tokio::time::Instant,
    step: impl std::future::Future<Output = Result<T, SyncError>>,
) -> Result<T, SyncError> {
    tokio::time::timeout_at(deadline, step)
        .await
        .unwrap_or(Err(SyncError::Timeout))
}
