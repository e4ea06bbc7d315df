//! A folder's search for the header pass: its UID ranges newest first, the newest batch
//! shown as soon as it is found on a first sync.

use super::super::{
    complete::timed,
    error::SyncError,
    fetch::{self, Asked, FolderState, ImapSession, NewMail},
    fetch_bounds::FetchBounds,
    store::{self, Flags, FolderKey, HeaderRow},
};
use sea_orm::DatabaseConnection;
use std::collections::HashSet;

/// What goes out with a folder's first search, in the same round trip.
pub(super) enum WithFirst {
    Nothing,
    /// A first sync (nothing of this generation stored): the newest batch's header fields
    /// (`fetch::search_with_newest`).
    NewestHeaders,
    /// A later run with CONDSTORE: the flags changed since `modseq`
    /// (`fetch::search_with_flags`), and the mail of the UIDs `new_from` (from, to) where
    /// that is new mail of at most one batch (whole up to `fetch::WHOLE_UP_TO` bytes).
    FlagsSince {
        modseq: i64,
        new_from: Option<(i64, i64)>,
    },
}

impl WithFirst {
    /// Where no changes since a remembered HIGHESTMODSEQ are asked for (a later run with
    /// one asks for them whatever is stored: `folder::header_pass`): a first sync (nothing
    /// of this generation stored, no rows of another to adopt) stores the newest batch as
    /// soon as the search has found it; otherwise every stored row's flags are asked for
    /// after the search.
    pub(super) fn without_changes(nothing_stored: bool, adopt: bool) -> WithFirst {
        if nothing_stored && !adopt {
            WithFirst::NewestHeaders
        } else {
            WithFirst::Nothing
        }
    }
}

/// What a folder's search found.
pub(super) struct Searched {
    /// Every UID in range.
    pub on_server: HashSet<i64>,
    /// The UIDs whose header rows were stored (the newest batch of a first sync).
    pub shown: HashSet<i64>,
    /// The flags changed since [`WithFirst::FlagsSince`], when asked for, or the
    /// server's refusal.
    pub changed: Option<Result<Vec<(i64, Flags)>, SyncError>>,
    /// The new mail fetched with the first search, found in range or not, stored or not
    /// (see `new_mail::store`).
    pub new_mail: Vec<NewMail>,
}

/// The folder's UIDs in range, its UID ranges (`fetch::search_ranges`) searched newest
/// first, the first search with what [`WithFirst`] says. The newest batch's rows of a
/// first sync are each stored as soon as a search has found its UID in range: the list
/// shows without waiting for the rest of the search, and a message outside the period is
/// never stored. A first sync's first search may cover the newest messages only
/// (`fetch::search_with_newest`), and one whose first search and newest headers went with
/// its EXAMINE (`Asked`) takes their answers as its first search's: either way the ranges
/// are then searched below what it covered.
pub(super) async fn search_newest_first(
    session: &mut ImapSession,
    db: &DatabaseConnection,
    key: FolderKey,
    criteria: &str,
    state: &FolderState,
    limits: &FetchBounds,
    (with_first, asked): (WithFirst, Option<Asked>),
) -> Result<Searched, SyncError> {
    let t = limits.command_timeout;
    let ranges = fetch::search_ranges(state, limits.search_range);
    let newest = ranges.last().cloned().flatten();
    let newest = newest.as_deref();
    // Answered for the folder as this session found it, whatever the check saw; not
    // used where this is no first sync after all (rows stored by a run cut short).
    let asked =
        asked.filter(|a| a.found.is_some() && matches!(with_first, WithFirst::NewestHeaders));
    let (mut changed, mut new_mail) = (None, Vec::new());
    // The first search: what it found, the newest messages' rows (found or not), and
    // from which UID up it covered the folder (`None`: not known, every range is searched).
    let (found, mut undecided, from) = match (&with_first, asked) {
        (WithFirst::NewestHeaders, Some(asked)) => {
            let found = asked.found.unwrap_or_default();
            // Rows asked by another count than the folder's are not its newest: left to
            // the header pass's first batch, which is.
            let rows = if asked.exists == state.exists {
                asked.rows
            } else {
                Vec::new()
            };
            (found, rows, asked.searched_from)
        }
        (WithFirst::NewestHeaders, None) => {
            let first = (limits.first(), limits.narrow_from);
            let max = limits.header_limit();
            let newest =
                fetch::search_with_newest(session, criteria, newest, state.exists, first, max);
            timed(t, newest).await?
        }
        (WithFirst::FlagsSince { modseq, new_from }, _) => {
            let new = new_from.map(|(uid, to)| fetch::NewFrom {
                uid,
                to,
                // A message longer than the largest kept is never whole: its header row.
                prefix: (u64::try_from(limits.max_message_bytes).unwrap_or(0) + 1)
                    .min(fetch::WHOLE_UP_TO),
                max_header: limits.header_limit(),
            });
            let all = fetch::search_with_flags(session, criteria, newest, *modseq, new);
            let (found, flags, mail) = timed(t, all).await?;
            (changed, new_mail) = (Some(flags), mail);
            (found, Vec::new(), Some(fetch::range_start(newest)))
        }
        (WithFirst::Nothing, _) => {
            let found = timed(t, fetch::search_range(session, criteria, newest)).await?;
            (found, Vec::new(), Some(fetch::range_start(newest)))
        }
    };
    let rest = match from {
        Some(from) => fetch::ranges_below(&ranges, from),
        None => {
            tracing::debug!(
                "sync: what the first search covered is not known; every range is searched"
            );
            ranges.clone()
        }
    };
    let (mut on_server, mut shown) = (HashSet::new(), HashSet::new());
    on_server.extend(found);
    if let Some(from) = from {
        store_found(db, key, &mut undecided, from, &on_server, &mut shown).await?;
    }
    // The rest, newest first, asked for at once; then every UID has been searched.
    if let Some(oldest) = rest.first() {
        let newest_first: Vec<Option<String>> = rest.iter().rev().cloned().collect();
        let searched = fetch::search_in_ranges(session, criteria, &newest_first, t);
        on_server.extend(searched.await?);
        let from = fetch::range_start(oldest.as_deref());
        store_found(db, key, &mut undecided, from, &on_server, &mut shown).await?;
    }
    Ok(Searched {
        on_server,
        shown,
        changed,
        new_mail,
    })
}

/// Stores those of the `undecided` rows from UID `from` up (every UID from there up has
/// been searched: ranges run newest first) that a search found, and takes every row from
/// there up out of `undecided`.
async fn store_found(
    db: &DatabaseConnection,
    key: FolderKey,
    undecided: &mut Vec<HeaderRow>,
    from: i64,
    on_server: &HashSet<i64>,
    shown: &mut HashSet<i64>,
) -> Result<(), SyncError> {
    if undecided.is_empty() {
        return Ok(());
    }
    let (decided, rest): (Vec<HeaderRow>, Vec<HeaderRow>) = std::mem::take(undecided)
        .into_iter()
        .partition(|row| row.uid >= from);
    *undecided = rest;
    let rows: Vec<HeaderRow> = decided
        .into_iter()
        .filter(|row| on_server.contains(&row.uid))
        .collect();
    if !rows.is_empty() {
        shown.extend(rows.iter().map(|row| row.uid));
        store::insert_headers(db, key, rows, false).await?;
    }
    Ok(())
}
