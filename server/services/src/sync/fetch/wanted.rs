//! Which FETCH answers are the messages asked for.

use async_imap::types::Fetch;
use std::collections::HashSet;

/// The UIDs a FETCH asked for, each answered once. A server also sends FETCH answers of
/// its own during a command (another client changed flags: `* 7 FETCH (UID 7 FLAGS …)`,
/// with a UID under CONDSTORE); such an answer, one for a UID not asked, or a second one
/// for a UID is not the message's: taken as it, it would store an empty envelope or an
/// empty body for good (and, twice in one INSERT, fail PostgreSQL's upsert).
pub(super) struct Wanted {
    open: HashSet<i64>,
}

impl Wanted {
    pub(super) fn new(uids: &[i64]) -> Self {
        Wanted {
            open: uids.iter().copied().collect(),
        }
    }

    /// The UID `fetch` answers, if it is one still open and `has_items` (it carries what
    /// was asked for).
    pub(super) fn answer(&mut self, fetch: &Fetch, has_items: bool) -> Option<i64> {
        self.answer_uid(fetch.uid.map(i64::from), has_items)
    }

    /// The same for an answer read by hand: its UID, if it told one.
    pub(super) fn answer_uid(&mut self, uid: Option<i64>, has_items: bool) -> Option<i64> {
        let uid = uid?;
        (has_items && self.open.remove(&uid)).then_some(uid)
    }

    /// The UID `fetch` answers if it is one still open, leaving it open.
    pub(super) fn open_uid(&self, fetch: &Fetch) -> Option<i64> {
        let uid = i64::from(fetch.uid?);
        self.open.contains(&uid).then_some(uid)
    }
}
