//! The IMAP commands of a sync, on one logged-in session: EXAMINE (read-only, so nothing
//! is ever marked read), UID SEARCH, and UID FETCH of flags, header fields and whole
//! messages, always with `BODY.PEEK`.
//!
//! What a server sends is bounded by the session's stream (`mail::bounded_stream`), not by
//! the sizes it declares: header fields and whole messages over their limits arrive as the
//! stream's marker and are kept as "too large".

use super::{
    error::SyncError,
    store::{Flags, HeaderRow},
};
use crate::mail::{
    bounded_stream::{OVER_BUDGET_MARKER, OVERSIZE_MARKER},
    login::Tls,
};
use async_imap::{Session, types::Fetch, types::Flag};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;

mod ahead;
mod bodies;
mod examined;
mod flags;
mod new_headers;
mod new_mail;
mod search;
mod search_ranges;
mod sets;
mod wanted;

pub use ahead::{Ahead, Asked, asked};
pub use bodies::{Answer, Answers, Body, bodies};
pub use examined::{enabled, examine_lines, examined};
pub use flags::flags;
pub use new_mail::{NewMail, WHOLE_UP_TO};
pub use search::{
    NewFrom, range_start, search, search_range, search_with_flags, search_with_newest, uid_search,
};
pub use search_ranges::search_in_ranges;
pub use sets::{MAX_SET_CHARS, in_short_sets};
use wanted::Wanted;

pub type ImapSession = Session<Tls>;

/// What EXAMINE tells about a folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FolderState {
    pub uidvalidity: i64,
    pub uidnext: Option<i64>,
    pub exists: i64,
    pub highest_modseq: Option<i64>,
}

/// Answers the server sent on its own (EXISTS, EXPUNGE, anything unexpected) queue up in
/// async-imap's channel; nobody reads them during a sync, so they are dropped before each
/// command instead of being held for the session's life.
fn drop_unsolicited(session: &mut ImapSession) {
    while session.unsolicited_responses.try_recv().is_ok() {}
}

pub async fn examine(session: &mut ImapSession, name: &str) -> Result<FolderState, SyncError> {
    drop_unsolicited(session);
    let mailbox = session.examine(name).await?;
    Ok(FolderState {
        uidvalidity: i64::from(mailbox.uid_validity.unwrap_or(0)),
        uidnext: mailbox.uid_next.map(i64::from),
        exists: i64::from(mailbox.exists),
        highest_modseq: mailbox.highest_modseq.and_then(|m| i64::try_from(m).ok()),
    })
}

/// The most ranges one search is split into.
const SEARCH_RANGES: i64 = 20;

/// The UID ranges one search is split into, of `range_uids` UIDs or more: `None` for one
/// search of the whole folder (one of at most twice `range_uids` messages).
///
/// async-imap parses an answer again from its start each time a few kilobytes more of it
/// arrive, so one answer listing 100,000 UIDs (600 KB) costs a hundred times more parsing
/// than the same UIDs in answers of 10,000. The last range ends at `*`, so nothing above
/// the UIDNEXT a server announced is missed (a message the rest would take for deleted).
pub fn search_ranges(state: &FolderState, range_uids: i64) -> Vec<Option<String>> {
    let range_uids = range_uids.max(1);
    let next = match state.uidnext {
        Some(next) if state.exists > 2 * range_uids && next > range_uids => next,
        _ => return vec![None],
    };
    let width = range_uids.max((next - 1 + SEARCH_RANGES - 1) / SEARCH_RANGES);
    let mut ranges = Vec::new();
    let mut first = 1;
    while first + width < next {
        ranges.push(Some(format!("{first}:{}", first + width - 1)));
        first += width;
    }
    ranges.push(Some(format!("{first}:*")));
    ranges
}

/// Of `ranges` (as [`search_ranges`] gives them), the UIDs below `start`: what is left to
/// search once `start:*` has been (`Asked`).
pub fn ranges_below(ranges: &[Option<String>], start: i64) -> Vec<Option<String>> {
    let mut below = Vec::new();
    for range in ranges {
        let (low, high) = match range.as_deref().and_then(|r| r.split_once(':')) {
            Some((low, high)) => (low.parse().unwrap_or(1), high.parse().unwrap_or(i64::MAX)),
            None => (1, i64::MAX),
        };
        if low < start {
            below.push(Some(format!("{low}:{}", high.min(start - 1))));
        }
    }
    below
}

/// What a header FETCH brought back.
#[derive(Default)]
pub struct Headers {
    /// The messages answered with their header fields.
    pub rows: Vec<HeaderRow>,
    /// Messages the server answered (flags, date, size) without their header fields: NIL
    /// (RFC 3501 allows it for a section the server will not give) or left out. Their
    /// rows carry an empty envelope; fetched whole, they get their real one.
    pub headerless: Vec<HeaderRow>,
}

impl Headers {
    /// Every message answered, those without header fields with an empty envelope.
    pub fn all(self) -> Vec<HeaderRow> {
        let mut all = self.rows;
        all.extend(self.headerless);
        all
    }
}

/// The envelope's header fields, flags, dates and sizes of these UIDs. Header fields over
/// `max_header_bytes` are not kept (the row gets an empty envelope).
pub async fn headers(
    session: &mut ImapSession,
    uids: &[i64],
    max_header_bytes: u64,
) -> Result<Headers, SyncError> {
    drop_unsolicited(session);
    let limits = session.get_ref().limits();
    session
        .get_mut()
        .limit_next_command(limits.max_response_bytes, max_header_bytes);
    let mut stream = session.uid_fetch(uid_set(uids), header_items()).await?;
    let mut rows = Vec::with_capacity(uids.len());
    // An answer without the header fields is kept aside until the end: a server may send
    // a message's items in several answers (RFC 3501 § 7.4.2), the fields in a later one.
    let mut headerless = std::collections::HashMap::new();
    let mut wanted = Wanted::new(uids);
    while let Some(f) = stream.try_next().await? {
        let Some(uid) = wanted.answer(&f, f.header().is_some()) else {
            if let Some(uid) = wanted.open_uid(&f)
                && (f.internal_date().is_some() || f.size.is_some())
            {
                headerless.insert(uid, header_row(uid, &f, b""));
            }
            continue;
        };
        headerless.remove(&uid);
        rows.push(header_row(
            uid,
            &f,
            stored_header(f.header().unwrap_or_default()),
        ));
    }
    Ok(Headers {
        rows,
        headerless: headerless.into_values().collect(),
    })
}

/// Header fields as a row keeps them: none when they were over the limit.
fn stored_header(header: &[u8]) -> &[u8] {
    match header == OVERSIZE_MARKER || header == OVER_BUDGET_MARKER {
        true => b"",
        false => header,
    }
}

/// A header row of `uid` from its FETCH answer and header fields.
fn header_row(uid: i64, f: &Fetch, header: &[u8]) -> HeaderRow {
    let size = i64::from(f.size.unwrap_or(0));
    row_of(uid, flags_of(f), received_at(f), size, header)
}

/// A header row from what a FETCH answer told of a message.
fn row_of(
    uid: i64,
    flags: Flags,
    received_at: DateTime<Utc>,
    size: i64,
    header: &[u8],
) -> HeaderRow {
    let mut envelope = super::parse::envelope_or_default(header);
    super::parse::own_thread_by_arrival(&mut envelope, header, received_at.timestamp(), size);
    HeaderRow {
        uid,
        flags,
        received_at,
        size,
        envelope,
    }
}

/// The header pass's FETCH items: the header fields an envelope is made of
/// ([`super::parse::ENVELOPE_FIELDS`]), not the whole block.
fn header_items() -> String {
    let fields = super::parse::ENVELOPE_FIELDS.join(" ");
    format!("(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS ({fields})])")
}

/// What a message is before its bytes: flags, arrival and declared size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    pub uid: i64,
    pub flags: Flags,
    pub received_at: DateTime<Utc>,
    pub size: i64,
}

impl Meta {
    /// The row of a message with this envelope.
    pub fn row(self, envelope: super::parse::Envelope) -> HeaderRow {
        HeaderRow {
            uid: self.uid,
            flags: self.flags,
            received_at: self.received_at,
            size: self.size,
            envelope,
        }
    }

    /// The header row of a message with these header fields.
    fn header_row(self, header: &[u8]) -> HeaderRow {
        row_of(self.uid, self.flags, self.received_at, self.size, header)
    }
}

fn received_at(fetch: &Fetch) -> DateTime<Utc> {
    fetch
        .internal_date()
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

fn flags_of(fetch: &Fetch) -> Flags {
    flags_from(fetch.flags())
}

/// The flags the app keeps, of a message's flags.
fn flags_from<'a>(all: impl Iterator<Item = Flag<'a>>) -> Flags {
    let mut flags = Flags::default();
    for flag in all {
        match flag {
            Flag::Seen => flags.seen = true,
            Flag::Flagged => flags.flagged = true,
            Flag::Answered => flags.answered = true,
            Flag::Draft => flags.draft = true,
            _ => {}
        }
    }
    flags
}

/// A compact IMAP sequence set: `7,9:12,15`.
pub fn uid_set(uids: &[i64]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{FolderState, ranges_below, search_ranges, uid_set};

    #[test]
    fn uid_sets_are_compact() {
        assert_eq!(uid_set(&[15, 7, 9, 10, 11, 12]), "7,9:12,15");
        assert_eq!(uid_set(&[1]), "1");
        assert_eq!(uid_set(&[3, 3, 2]), "2:3");
    }

    fn state(exists: i64, uidnext: Option<i64>) -> FolderState {
        FolderState {
            uidvalidity: 1,
            uidnext,
            exists,
            highest_modseq: None,
        }
    }

    #[test]
    fn small_folders_and_folders_without_uidnext_are_searched_at_once() {
        assert_eq!(search_ranges(&state(20_000, Some(20_001)), 10_000), [None]);
        assert_eq!(search_ranges(&state(100_000, None), 10_000), [None]);
    }

    #[test]
    fn large_folders_are_searched_in_ranges_covering_every_uid() {
        let ranges = search_ranges(&state(100_000, Some(100_001)), 10_000);
        assert_eq!(ranges.len(), 10);
        assert_eq!(ranges[0].as_deref(), Some("1:10000"));
        assert_eq!(ranges[8].as_deref(), Some("80001:90000"));
        assert_eq!(ranges[9].as_deref(), Some("90001:*"));
        // Sparse UIDs: at most 20 ranges, however high UIDNEXT is.
        let sparse = search_ranges(&state(30_000, Some(10_000_001)), 10_000);
        assert_eq!(sparse.len(), 20);
        assert_eq!(sparse[1].as_deref(), Some("500001:1000000"));
        assert_eq!(sparse[19].as_deref(), Some("9500001:*"));
    }

    #[test]
    fn the_ranges_below_a_range_searched_first_cover_every_uid_below_it() {
        let ranges = search_ranges(&state(100_000, Some(100_001)), 10_000);
        let below = ranges_below(&ranges, 90_001);
        assert_eq!(below.len(), 9);
        assert_eq!(below[8].as_deref(), Some("80001:90000"));
        // The folder grew since the first range was chosen: its new top is cut there.
        let grown = search_ranges(&state(120_000, Some(120_001)), 10_000);
        let below = ranges_below(&grown, 90_001);
        assert_eq!(below.last().unwrap().as_deref(), Some("80001:90000"));
        // It shrank: the part of its top range below the start.
        let shrunk = ranges_below(&[Some("1:40000".into()), Some("40001:*".into())], 45_001);
        assert_eq!(shrunk, [Some("1:40000".into()), Some("40001:45000".into())]);
        // One search of the whole folder.
        assert_eq!(ranges_below(&[None], 90_001), [Some("1:90000".into())]);
        assert!(ranges_below(&[None], 1).is_empty());
    }
}
