//! A later run's new mail as its first search brought it (`fetch::NewMail`), stored as the
//! header pass's first batch in one transaction: whole messages parsed on every core and
//! inserted once as complete rows, within the mailbox's storage quota (newest first); the
//! larger ones as header rows, whose bodies the body pass fetches. Only messages still
//! `missing` (found in range, not stored, no reader's action on its way) are stored.

use super::{
    complete,
    error::SyncError,
    fetch::NewMail,
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
    let parsed = complete::parsed_newest_first(whole).await?;
    let bodies = parsed.len();
    rows.extend(complete::within_quota(db, key, quota, parsed).await?);
    let stored: HashSet<i64> = rows.iter().map(|(row, _)| row.uid).collect();
    store::insert_rows(db, key, rows, false, None).await?;
    missing.retain(|uid| !stored.contains(uid));
    Ok(bodies)
}
