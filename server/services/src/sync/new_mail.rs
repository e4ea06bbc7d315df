//! A later run's new mail as its first search brought it (`fetch::NewMail`), stored as the
//! header pass's first batch in one transaction: whole messages parsed on every core and
//! inserted once as complete rows, within the mailbox's storage quota (newest first); the
//! larger ones as header rows, whose bodies the body pass fetches. Only messages still
//! `missing` (found in range, not stored, no reader's action on its way) are stored.

use super::{
    complete::on_every_core,
    error::SyncError,
    fetch::NewMail,
    parse,
    store::{self, FolderKey, NewBody, Quota},
};
use sea_orm::DatabaseConnection;
use std::collections::HashSet;

/// Stores those of `mail` that are `missing` and takes them out of it; returns how many
/// came whole (their bodies done: stored, or kept out by the quota).
pub async fn store(
    db: &DatabaseConnection,
    key: FolderKey,
    mail: Vec<NewMail>,
    missing: &mut Vec<i64>,
    quota: &Quota,
) -> Result<usize, SyncError> {
    let wanted: HashSet<i64> = missing.iter().copied().collect();
    let (mut whole, mut rows) = (Vec::new(), Vec::new());
    for mail in mail.into_iter().filter(|m| wanted.contains(&m.uid())) {
        match mail {
            NewMail::Whole(meta, bytes) => whole.push((meta, bytes)),
            NewMail::Header(row) => rows.push((*row, NewBody::Pending)),
        }
    }
    if whole.is_empty() && rows.is_empty() {
        return Ok(0);
    }
    let mut parsed = match whole.is_empty() {
        true => Vec::new(),
        false => tokio::task::spawn_blocking(move || {
            on_every_core(whole, |(meta, bytes)| (*meta, parse::whole_or_raw(bytes)))
        })
        .await
        .map_err(|e| SyncError::Imap(format!("parse task failed: {e}")))?,
    };
    // The quota serves the newest first.
    parsed.sort_by_key(|(meta, _)| std::cmp::Reverse((meta.received_at, meta.uid)));
    let bodies = parsed.len();
    for (meta, (envelope, content)) in parsed {
        let bytes = store::body_bytes(&content);
        let fits = quota
            .take(db, key.mailbox_id, meta.received_at, bytes)
            .await?;
        let body = match fits {
            true => NewBody::Stored(content),
            false => NewBody::OverQuota,
        };
        rows.push((meta.row(envelope), body));
    }
    let stored: HashSet<i64> = rows.iter().map(|(row, _)| row.uid).collect();
    store::insert_rows(db, key, rows, false, None).await?;
    missing.retain(|uid| !stored.contains(uid));
    Ok(bodies)
}
