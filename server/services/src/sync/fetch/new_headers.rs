//! Header rows read by hand, since their answers come beside a search's: a first sync's
//! newest messages, asked for behind its EXAMINE (`ahead.rs`). Also how a FETCH answer read
//! by hand tells its UID, flags, date and size (`meta_of`, `new_mail.rs` too).

use super::{Meta, search::done_of, stored_header};
use crate::mail::bounded_stream::OVER_BUDGET_MARKER;
use crate::sync::{error::SyncError, store::HeaderRow};
use async_imap::{
    imap_proto::{AttributeValue, MessageSection, RequestId, Response, SectionPath},
    types::Flag,
};
use chrono::{DateTime, Utc};
use std::collections::HashSet;

/// INTERNALDATE as RFC 3501 §9 writes it (`date-time`), as async-imap reads it.
const DATE_TIME_FORMAT: &str = "%d-%b-%Y %H:%M:%S %z";

/// A header FETCH's answer as it is read: one row per UID that came with its header fields
/// (one without them, or a flags-only answer, is left to the header pass's own batches),
/// and its tagged status once read.
/// Only UIDs from `from` are the new mail asked for (`from:*` names the last message when
/// none is that high, RFC 3501 §6.4.8). Header fields over `max` bytes (whatever bound the
/// stream read them under) are left to the header pass too.
pub(super) struct HeadersAnswer {
    pub(super) rows: Vec<HeaderRow>,
    from: i64,
    max: u64,
    seen: HashSet<i64>,
    /// The UID of the message numbered `first_seq` (by [`HeadersAnswer::noting_uid_of`]),
    /// once answered, with its fields or not.
    pub(super) first_uid: Option<i64>,
    first_seq: Option<u32>,
    pub(super) status: Option<Result<(), SyncError>>,
}

impl HeadersAnswer {
    pub(super) fn new(from: i64, max: u64) -> Self {
        HeadersAnswer {
            rows: Vec::new(),
            from,
            max,
            seen: HashSet::new(),
            first_uid: None,
            first_seq: None,
            status: None,
        }
    }

    /// Notes the UID of the message numbered `seq` (a FETCH by sequence numbers from it).
    pub(super) fn noting_uid_of(self, seq: i64) -> Self {
        HeadersAnswer {
            first_seq: u32::try_from(seq).ok(),
            ..self
        }
    }

    pub(super) fn take(&mut self, response: &Response<'_>, tag: &RequestId) {
        if self.status.is_some() {
            return;
        }
        match response {
            Response::Fetch(seq, attributes) => {
                // Only the FETCH's own answer (not another client's flag change numbered
                // before an expunge) tells which message is numbered `first_seq` now.
                if self.first_seq == Some(*seq)
                    && self.first_uid.is_none()
                    && answers_headers(response)
                {
                    self.first_uid = attributes.iter().find_map(|a| match a {
                        AttributeValue::Uid(uid) => Some(i64::from(*uid)),
                        _ => None,
                    });
                }
                if let Some(row) = header_row(attributes, self.max)
                    && row.uid >= self.from
                    && self.seen.insert(row.uid)
                {
                    self.rows.push(row);
                }
            }
            _ => self.status = done_of(response, tag),
        }
    }
}

/// Whether `response` answers the header FETCH rather than a FETCH of flags alone: it
/// carries what only the header FETCH asks for (a date, a size, header fields, even NIL).
pub(super) fn answers_headers(response: &Response<'_>) -> bool {
    let Response::Fetch(_, attributes) = response else {
        return false;
    };
    attributes.iter().any(|a| {
        matches!(
            a,
            AttributeValue::InternalDate(_)
                | AttributeValue::Rfc822Size(_)
                | AttributeValue::BodySection { .. }
                | AttributeValue::Rfc822Header(_)
        )
    })
}

/// The row a FETCH answer of `header_items` gives, if it carries a UID and header fields
/// that fit what was left of the answer's budget (those cut by it are left to the header
/// pass's own batches, which have a budget of their own).
fn header_row(attributes: &[AttributeValue<'_>], max: u64) -> Option<HeaderRow> {
    let header = attributes.iter().find_map(|attribute| match attribute {
        AttributeValue::BodySection {
            section: Some(SectionPath::Full(MessageSection::Header)),
            data: Some(data),
            ..
        }
        | AttributeValue::Rfc822Header(Some(data)) => Some(data.as_ref()),
        _ => None,
    })?;
    let (meta, _) = meta_of(attributes)?;
    if header == OVER_BUDGET_MARKER || header.len() as u64 > max {
        return None;
    }
    Some(meta.header_row(stored_header(header)))
}

/// The UID, flags, date and size a FETCH answer read by hand tells (none without a UID),
/// and whether it told a date or a size: what a FETCH of them asks for, not another
/// client's flag change.
pub(super) fn meta_of(attributes: &[AttributeValue<'_>]) -> Option<(Meta, bool)> {
    let (mut uid, mut flags, mut told) = (None, super::Flags::default(), false);
    let (mut received_at, mut size) = (DateTime::<Utc>::UNIX_EPOCH, 0);
    for attribute in attributes {
        match attribute {
            AttributeValue::Uid(n) => uid = Some(i64::from(*n)),
            AttributeValue::Flags(names) => {
                flags = super::flags_from(names.iter().map(|n| Flag::from(n.as_ref())));
            }
            AttributeValue::InternalDate(date) => {
                told = true;
                if let Ok(date) = DateTime::parse_from_str(date, DATE_TIME_FORMAT) {
                    received_at = date.with_timezone(&Utc);
                }
            }
            AttributeValue::Rfc822Size(n) => {
                told = true;
                size = i64::from(*n);
            }
            _ => {}
        }
    }
    let meta = Meta {
        uid: uid?,
        flags,
        received_at,
        size,
    };
    Some((meta, told))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_read_from_a_raw_answer_as_from_async_imaps() {
        let line = b"* 7 FETCH (UID 42 FLAGS (\\Seen \\Flagged) INTERNALDATE \" 7-Dec-2026 10:11:12 +0200\" RFC822.SIZE 1234 BODY[HEADER.FIELDS (Subject)] {18}\r\nSubject: hello\r\n\r\n)\r\n";
        let (_, response) = Response::parse(line).expect("an answer");
        let Response::Fetch(_, attributes) = response else {
            panic!("a FETCH answer");
        };
        let row = header_row(&attributes, 1024).expect("a row");
        assert!(
            header_row(&attributes, 8).is_none(),
            "fields over the limit"
        );
        assert_eq!((row.uid, row.size), (42, 1234));
        assert!(row.flags.seen && row.flags.flagged && !row.flags.answered);
        assert_eq!(row.received_at.to_rfc3339(), "2026-12-07T08:11:12+00:00");
        assert_eq!(row.envelope.subject, "hello");
        // Flags alone (another client's change): no row.
        let (_, flags) = Response::parse(b"* 7 FETCH (UID 42 FLAGS (\\Seen))\r\n").unwrap();
        let Response::Fetch(_, attributes) = flags else {
            panic!("a FETCH answer");
        };
        assert!(header_row(&attributes, u64::MAX).is_none());
    }

    #[test]
    fn a_header_answer_is_told_from_a_flag_change() {
        let answer = |line: &'static [u8]| Response::parse(line).expect("an answer").1;
        assert!(!answers_headers(&answer(
            b"* 7 FETCH (UID 42 FLAGS (\\Seen) MODSEQ (9))\r\n"
        )));
        // With its fields, or NIL for them (a server that will not give the section).
        let nil = answer(
            b"* 7 FETCH (UID 42 FLAGS () RFC822.SIZE 9 BODY[HEADER.FIELDS (Subject)] NIL)\r\n",
        );
        assert!(answers_headers(&nil));
        let mut cut = b"* 7 FETCH (UID 42 FLAGS () BODY[HEADER.FIELDS (Subject)] {".to_vec();
        cut.extend(format!("{}}}\r\n", OVER_BUDGET_MARKER.len()).as_bytes());
        cut.extend(OVER_BUDGET_MARKER);
        cut.extend(b")\r\n");
        let (_, cut) = Response::parse(&cut).expect("an answer");
        assert!(answers_headers(&cut));
        // Cut by the answer's budget: left to the header pass's own batches.
        let Response::Fetch(_, attributes) = cut else {
            panic!("a FETCH answer");
        };
        assert!(header_row(&attributes, u64::MAX).is_none());
    }
}
