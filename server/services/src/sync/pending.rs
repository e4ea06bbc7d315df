//! The body pass's first step: the bodies of rows the header pass stored (the newest batch
//! of new mail, or rows a Re-sync sent back to pending), in byte-bounded batches, parsed off
//! the async threads and kept within the mailbox's quota.

use super::{
    complete::on_every_core,
    error::SyncError,
    fetch::{self, Body, ImapSession},
    fetch_bounds::FetchBounds,
    parse,
    pipeline::{self, Stored, Tally},
    progress::{Advance, Counts},
    run_task::RunTask,
    store::{self, FolderKey, Pending, Quota},
    turn::Turn,
};
use sea_orm::DatabaseConnection;

/// Bodies of rows the header pass stored, in byte-bounded batches.
pub async fn bodies(
    session: (&mut ImapSession, &mut fetch::Answers),
    db: &DatabaseConnection,
    key: FolderKey,
    pending: Vec<Pending>,
    limits: &FetchBounds,
    quota: &Quota,
    mut counts: Counts,
) -> Result<Counts, SyncError> {
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
    let left = pipeline::fetch_whole(
        session,
        db,
        key,
        limits,
        quota,
        &wanted,
        &mut tally,
        |items, turn| RunTask::spawn(parse_and_store(db.clone(), key, items, quota.clone(), turn)),
    )
    .await?;
    // No room and nothing older to make room with: these keep their headers only.
    let no_room: Vec<i64> = left.no_room.iter().map(|p| p.uid).collect();
    store::mark_over_quota(db, key, &no_room).await?;
    tally.counts.bodies_done += no_room.len() as i64;
    Ok(tally.counts)
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
    let mut parsed = tokio::task::spawn_blocking(move || {
        on_every_core(kept, |(uid, at, bytes)| {
            (*uid, *at, parse::message_or_raw(bytes))
        })
    })
    .await
    .map_err(|e| SyncError::Imap(format!("parse task failed: {e}")))?;
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
    })
}
