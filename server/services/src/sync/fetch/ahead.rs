//! A first sync's first search and newest headers sent with its EXAMINE (behind the LOGIN,
//! `SyncEngine::log_in_examining`), where the wizard's login check saw INBOX
//! (`mail::login::take_inbox_seen`): the list shows a round trip of the link sooner than
//! when they wait for the EXAMINE's answer (docs/benchmarks.md, fiftieth round).
//!
//! What the check saw only sizes what is asked: the newest messages by sequence number
//! (as `search_with_newest` asks them from EXISTS), and what the search covers: those
//! messages and any after them in a large folder (`search::first_search`), the last of
//! `search_ranges` (which ends at `*`) in a small one. Whatever changed since, the search
//! answers for the folder as the session's EXAMINE found it, and a header row is kept only
//! where a search found its UID (`folder_search`): nothing is kept on the hint's word.

use super::{
    FolderState, ImapSession, header_items,
    new_headers::HeadersAnswer,
    search::{SearchAnswer, first_search, newest_first, read},
    search_ranges,
};
use crate::{
    mail::login::InboxSeen,
    sync::{error::SyncError, store::HeaderRow},
};
use async_imap::imap_proto::RequestId;

/// The commands' tags: none of async-imap's (`A1`, …) nor the EXAMINE's (`pl1`, `pl2`).
const SEARCH_TAG: &str = "pl3";
const HEADERS_TAG: &str = "pl4";

/// What a first sync asks with its EXAMINE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ahead {
    /// The search's query (`UID SEARCH` it).
    search: String,
    /// From which UID up the search covers the folder: `None` where it is of the newest
    /// messages by sequence number (their first's UID comes with the FETCH's answer).
    from: Option<i64>,
    /// The newest messages' sequence numbers, first and last (none in an empty folder).
    newest: Option<(i64, i64)>,
    /// The check's message count.
    exists: i64,
}

/// Their answers.
pub struct Asked {
    /// From which UID up the search covered the folder (`None`: not known).
    pub searched_from: Option<i64>,
    /// The UIDs found there, or `None` where the search was refused.
    pub found: Option<Vec<i64>>,
    /// The newest messages' header rows, found or not (none where the FETCH was refused).
    pub rows: Vec<HeaderRow>,
    /// The message count they were asked by (the check's).
    pub exists: i64,
}

impl Ahead {
    /// For a folder searched with `criteria` in ranges of `range_uids`, whose newest
    /// `count` messages get their header rows first (searched alone from `narrow_from`
    /// messages: `FetchBounds::narrow_from`), as the check `seen` it.
    pub fn new(
        criteria: &str,
        seen: InboxSeen,
        range_uids: i64,
        (count, narrow_from): (usize, i64),
    ) -> Ahead {
        let exists = i64::from(seen.messages);
        let count = i64::try_from(count).unwrap_or(i64::MAX).max(1);
        let first = newest_first(exists, count);
        let newest = (exists > 0).then_some((first, exists));
        let state = FolderState {
            uidvalidity: 0,
            uidnext: Some(i64::from(seen.uidnext)),
            exists,
            highest_modseq: None,
        };
        let range = search_ranges(&state, range_uids).pop().flatten();
        let (search, from) = first_search(criteria, range.as_deref(), (exists, first), narrow_from);
        Ahead {
            search,
            from,
            newest,
            exists,
        }
    }

    /// The command lines, sent behind the EXAMINE's.
    pub fn lines(&self) -> String {
        let mut lines = format!("{SEARCH_TAG} UID SEARCH {}\r\n", self.search);
        if let Some((first, last)) = self.newest {
            let items = header_items();
            lines.push_str(&format!("{HEADERS_TAG} FETCH {first}:{last} {items}\r\n"));
        }
        lines
    }
}

/// Reads the answers to [`Ahead::lines`], after the EXAMINE's, in whatever order the
/// server gives them (Dovecot runs a SEARCH and a FETCH side by side). A refusal of either
/// (an EXAMINE refused, a set past the folder's end) leaves its part to the header pass;
/// header fields over `max_header_bytes` too (the stream reads what answers lines sent
/// behind a LOGIN with literals bounded by `StreamLimits::max_staged_literal_bytes`, the
/// header limit for a sync). A lost connection is the error.
pub async fn asked(
    session: &mut ImapSession,
    ahead: &Ahead,
    max_header_bytes: u64,
) -> Result<Asked, SyncError> {
    let search_tag = RequestId(SEARCH_TAG.into());
    let headers_tag = RequestId(HEADERS_TAG.into());
    let mut search = SearchAnswer::default();
    let mut headers = HeadersAnswer::new(1, max_header_bytes);
    if let Some((first, _)) = ahead.newest {
        headers = headers.noting_uid_of(first);
    }
    let headers_asked = ahead.newest.is_some();
    while search.status.is_none() || (headers_asked && headers.status.is_none()) {
        read(session, |response| {
            search.take(response, &search_tag);
            if headers_asked {
                headers.take(response, &headers_tag);
            }
        })
        .await?;
    }
    let (rows, first_uid) = match headers.status {
        Some(Ok(())) => (headers.rows, headers.first_uid),
        _ => (Vec::new(), None),
    };
    let searched_from = ahead.from.or(search.covered_from(first_uid));
    let found = match search.status {
        Some(Ok(())) => Some(search.uids),
        _ => None,
    };
    Ok(Asked {
        searched_from,
        found,
        rows,
        exists: ahead.exists,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(messages: u32, uidnext: u32) -> InboxSeen {
        InboxSeen { messages, uidnext }
    }

    #[test]
    fn a_large_inbox_is_searched_by_its_newest_messages_numbers() {
        let ahead = Ahead::new(
            "SINCE 1-Jan-2026",
            seen(100_000, 100_001),
            10_000,
            (100, 2_000),
        );
        assert_eq!((ahead.from, ahead.newest), (None, Some((99_901, 100_000))));
        let lines = ahead.lines();
        assert!(lines.starts_with(
            "pl3 UID SEARCH 99901:* SINCE 1-Jan-2026\r\npl4 FETCH 99901:100000 (UID FLAGS"
        ));
        assert!(lines.ends_with("])\r\n"));
    }

    #[test]
    fn a_smaller_inbox_is_searched_by_its_last_range_or_whole() {
        let mid = Ahead::new("ALL", seen(1_999, 50_001), 500, (100, 2_000));
        assert_eq!((mid.from, mid.newest), (Some(47_501), Some((1_900, 1_999))));
        assert!(
            mid.lines()
                .starts_with("pl3 UID SEARCH UID 47501:* ALL\r\n")
        );
        let small = Ahead::new("ALL", seen(30, 31), 10_000, (100, 2_000));
        assert_eq!((small.from, small.newest), (Some(1), Some((1, 30))));
        let empty = Ahead::new("ALL", seen(0, 1), 10_000, (100, 2_000));
        assert_eq!(empty.newest, None);
        assert_eq!(empty.lines(), "pl3 UID SEARCH ALL\r\n");
    }
}
