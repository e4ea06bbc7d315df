//! A folder's search for the header pass: its UID ranges newest first, the newest batch
//! shown as soon as it is found on a first sync.

use super::super::{
    complete::timed,
    error::SyncError,
    fetch::{self, FolderState, ImapSession},
    fetch_bounds::FetchBounds,
    store::{self, FolderKey},
};
use sea_orm::DatabaseConnection;
use std::collections::HashSet;

/// The folder's UIDs in range, its UID ranges (`fetch::search_ranges`) searched newest
/// first. With `show_early` (a first sync: nothing of this generation stored), the newest
/// batch's header rows are fetched and stored as soon as the ranges searched hold a whole
/// batch, before the older ranges are searched: a large folder's list shows without
/// waiting for its whole search. Returns every UID found and those stored.
pub(super) async fn search_newest_first(
    session: &mut ImapSession,
    db: &DatabaseConnection,
    key: FolderKey,
    criteria: &str,
    state: &FolderState,
    limits: &FetchBounds,
    show_early: bool,
) -> Result<(HashSet<i64>, HashSet<i64>), SyncError> {
    let t = limits.command_timeout;
    let batch = limits.first();
    let ranges = fetch::search_ranges(state, limits.search_range);
    let (mut on_server, mut shown) = (HashSet::new(), HashSet::new());
    for (n, part) in ranges.iter().rev().enumerate() {
        on_server.extend(timed(t, fetch::search_range(session, criteria, part.as_deref())).await?);
        let older_left = n + 1 < ranges.len();
        if show_early && older_left && shown.is_empty() && on_server.len() >= batch {
            let mut newest: Vec<i64> = on_server.iter().copied().collect();
            newest.sort_unstable_by(|a, b| b.cmp(a));
            newest.truncate(batch);
            let fetched = timed(t, fetch::headers(session, &newest, limits.header_limit())).await?;
            // Those answered without header fields are left to the header pass's batches.
            shown.extend(fetched.rows.iter().map(|r| r.uid));
            store::insert_headers(db, key, fetched.rows, false).await?;
        }
    }
    Ok((on_server, shown))
}
