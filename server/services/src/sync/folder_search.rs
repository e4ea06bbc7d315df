//! A folder's search for the header pass: its UID ranges newest first, the newest batch
//! shown as soon as it is found on a first sync.

use super::super::{
    complete::timed,
    error::SyncError,
    fetch::{self, FolderState, ImapSession},
    fetch_bounds::FetchBounds,
    store::{self, FolderKey, HeaderRow},
};
use sea_orm::DatabaseConnection;
use std::collections::HashSet;

/// The folder's UIDs in range, its UID ranges (`fetch::search_ranges`) searched newest
/// first. With `show_early` (a first sync: nothing of this generation stored), the newest
/// batch's header fields are fetched with the first search, in the same round trip
/// (`fetch::search_with_newest`), and each of those rows is stored as soon as a search has
/// found its UID in range: the list shows without waiting for the rest of the search, and
/// a message outside the period is never stored. Returns every UID found and those stored.
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
    let ranges = fetch::search_ranges(state, limits.search_range);
    let (mut on_server, mut shown) = (HashSet::new(), HashSet::new());
    // The newest messages' rows whose UIDs no search has covered yet.
    let mut undecided = Vec::new();
    for (n, part) in ranges.iter().rev().enumerate() {
        let part = part.as_deref();
        let found = if n == 0 && show_early {
            let (count, max) = (limits.first(), limits.header_limit());
            let newest =
                fetch::search_with_newest(session, criteria, part, state.exists, count, max);
            let (found, rows) = timed(t, newest).await?;
            undecided = rows;
            found
        } else {
            timed(t, fetch::search_range(session, criteria, part)).await?
        };
        on_server.extend(found);
        if undecided.is_empty() {
            continue;
        }
        // Ranges run newest first: every UID from this one's start up has been searched.
        let from = fetch::range_start(part);
        let (decided, rest): (Vec<HeaderRow>, Vec<HeaderRow>) =
            undecided.into_iter().partition(|row| row.uid >= from);
        undecided = rest;
        let rows: Vec<HeaderRow> = decided
            .into_iter()
            .filter(|row| on_server.contains(&row.uid))
            .collect();
        if !rows.is_empty() {
            shown.extend(rows.iter().map(|row| row.uid));
            store::insert_headers(db, key, rows, false).await?;
        }
    }
    Ok((on_server, shown))
}
