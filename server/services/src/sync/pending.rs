//! The body pass's first step: the bodies of rows the header pass stored (the newest batch
//! of new mail, or rows a Re-sync sent back to pending), in byte-bounded batches, parsed off
//! the async threads and kept within the mailbox's quota; and in the same stream, where
//! its FETCH of flags, dates and sizes went ahead, the rest's first part as complete rows
//! (`complete.rs`): asked for while these bodies are still coming, not a round trip after.

use super::{
    complete::{self, First},
    error::SyncError,
    fetch::{self, Body, ImapSession, Meta},
    fetch_bounds::FetchBounds,
    parse,
    pipeline::{self, Stored, Tally},
    progress::{Advance, Counts},
    run_task::RunTask,
    store::{self, FolderKey, Pending, Quota},
    turn::Turn,
};
use sea_orm::DatabaseConnection;

/// Bodies of rows the header pass stored, in byte-bounded batches; with `rest`, the rest's
/// first part after them, once its flags, dates and sizes have come (what became of it is
/// returned: `None` when they came only after these bodies, and the rest fetches it).
#[allow(clippy::too_many_arguments)]
pub async fn bodies(
    session: (&mut ImapSession, &mut fetch::Answers),
    db: &DatabaseConnection,
    key: FolderKey,
    pending: Vec<Pending>,
    rest: bool,
    limits: &FetchBounds,
    quota: &Quota,
    mut counts: Counts,
) -> Result<(Counts, Option<First>), SyncError> {
    let folder_id = key.folder_id;
    let (too_large, wanted): (Vec<Pending>, Vec<Pending>) = pending
        .into_iter()
        .partition(|p| p.size > limits.max_message_bytes);
    let too_large: Vec<i64> = too_large.into_iter().map(|p| p.uid).collect();
    store::mark_too_large(db, key, &too_large).await?;
    counts.bodies_done += too_large.len() as i64;
    let mut tally = Tally {
        folder_id,
        counts,
        new_rows: false,
    };
    let mut first = None;
    let then = rest.then_some(|metas: Vec<Meta>| {
        let (too_large, wanted) = complete::wanted_of(metas, limits);
        first = Some(First {
            too_large,
            ..First::default()
        });
        wanted
    });
    let left = pipeline::fetch_whole(
        session,
        db,
        key,
        limits,
        quota,
        (&wanted, then),
        &mut tally,
        |items, turn| match items.first().is_some_and(|(p, _)| p.new_row.is_some()) {
            true => complete::insert_task(db, key, items, quota, turn),
            false => RunTask::spawn(parse_and_store(db.clone(), key, items, quota.clone(), turn)),
        },
    )
    .await?;
    // No room and nothing older to make room with: these keep their headers only.
    let (rows, bodies): (Vec<Pending>, Vec<Pending>) =
        left.no_room.iter().partition(|p| p.new_row.is_some());
    let no_room: Vec<i64> = bodies.iter().map(|p| p.uid).collect();
    store::mark_over_quota(db, key, &no_room).await?;
    tally.counts.bodies_done += no_room.len() as i64;
    if let Some(first) = &mut first {
        first.no_room = rows.iter().map(|p| p.uid).collect();
        first.cut_on_wire = left.cut_on_wire;
    }
    Ok((tally.counts, first))
}

/// Parses a batch off the async threads, then keeps what the quota allows: newest first,
/// older bodies pushed out to make room; the rest (and what was too large on the wire)
/// keeps its headers only.
async fn parse_and_store(
    db: DatabaseConnection,
    key: FolderKey,
    raw: Vec<(Pending, Body)>,
    quota: Quota,
    mut turn: Turn,
) -> Result<Stored, SyncError> {
    let n = raw.len();
    let mut too_large = Vec::new();
    let mut kept = Vec::with_capacity(n);
    for (p, body) in raw {
        match body {
            Body::Kept(bytes) => kept.push((p.uid, p.received_at, bytes)),
            Body::TooLarge => too_large.push(p.uid),
        }
    }
    let mut parsed = complete::off_async_on_every_core(kept, |(uid, at, bytes)| {
        (*uid, *at, parse::message_or_raw(bytes))
    })
    .await?;
    // Servers answer in UID order; the quota serves the newest first.
    parsed.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    let bytes: i64 = parsed.iter().map(|(_, _, c)| store::body_bytes(c)).sum();
    turn.wait_to_write(&db, &quota, bytes).await;
    store::mark_too_large(&db, key, &too_large).await?;
    let mut fits = Vec::with_capacity(parsed.len());
    let mut over = Vec::new();
    for (uid, at, content) in parsed {
        if quota
            .take(&db, key.mailbox_id, at, store::body_bytes(&content))
            .await?
        {
            fits.push((uid, content));
        } else {
            over.push(uid);
        }
    }
    turn.quota_taken();
    store::mark_over_quota(&db, key, &over).await?;
    let advance = Advance::bodies(key.folder_id, n);
    store::store_bodies(&db, key, fits, Some(advance)).await?;
    // Too large on the wire: marked above, nothing left to the caller.
    Ok(Stored {
        rows: n,
        too_large: Vec::new(),
        new_rows: false,
    })
}
