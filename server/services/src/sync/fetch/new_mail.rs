//! A later run's new mail (at most one batch, from the UIDNEXT the last run saw), fetched in
//! the round trip of its first search and changed flags (`search_with_flags`): each message
//! whole up to [`WHOLE_UP_TO`] bytes (`BODY.PEEK[]<0.n>`, RFC 3501 §6.4.5), so mail of that
//! size is stored as a complete row without a round trip of its own. Of a larger message
//! the same bytes give its header row, and the body pass fetches it as it fetches any
//! pending body. Read by hand, since the answers come beside the other two commands'.

use super::{Meta, new_headers::meta_of, search::done_of};
use crate::mail::bounded_stream::{OVER_BUDGET_MARKER, OVERSIZE_MARKER};
use crate::sync::{error::SyncError, store::HeaderRow};
use async_imap::imap_proto::{AttributeValue, RequestId, Response};
use std::collections::HashSet;

/// A new message up to this many bytes comes whole with a later run's first search; of a
/// larger one only as many bytes come, its header block among them. Most mail without
/// attachments is smaller; a batch of new mail (`FetchBounds::first`, 100) then holds at
/// most 6.4 MB, and a larger message costs that many bytes more than its header fields.
pub const WHOLE_UP_TO: u64 = 64 << 10;

/// One new message as its first bytes told it.
#[derive(Debug)]
pub enum NewMail {
    /// All of it: shorter than the bytes asked for.
    Whole(Meta, Vec<u8>),
    /// Longer: its header row, from the header block at its start (its body pending).
    Header(Box<HeaderRow>),
}

impl NewMail {
    pub fn uid(&self) -> i64 {
        match self {
            NewMail::Whole(meta, _) => meta.uid,
            NewMail::Header(row) => row.uid,
        }
    }
}

/// The FETCH items of the new mail: flags, date, size and the first `prefix` bytes.
pub(super) fn new_mail_items(prefix: u64) -> String {
    format!("(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[]<0.{prefix}>)")
}

/// The new mail's FETCH answer as it is read: one [`NewMail`] per UID from `from` (`from:*`
/// names the last message when none is that high, RFC 3501 §6.4.8) that came with its
/// bytes. One cut by the stream's bounds (a server that sent more than asked), without a
/// header block in its first bytes, or with header fields over `max_header` bytes, is left
/// to the header pass's own batches; so is a flags-only answer (another client's change).
pub(super) struct NewMailAnswer {
    pub(super) mail: Vec<NewMail>,
    from: i64,
    prefix: u64,
    max_header: u64,
    seen: HashSet<i64>,
    pub(super) status: Option<Result<(), SyncError>>,
}

impl NewMailAnswer {
    pub(super) fn new(from: i64, prefix: u64, max_header: u64) -> Self {
        NewMailAnswer {
            mail: Vec::new(),
            from,
            prefix,
            max_header,
            seen: HashSet::new(),
            status: None,
        }
    }

    pub(super) fn take(&mut self, response: &Response<'_>, tag: &RequestId) {
        if self.status.is_some() {
            return;
        }
        match response {
            Response::Fetch(_, attributes) => {
                let Some((meta, _)) = meta_of(attributes) else {
                    return;
                };
                let Some(bytes) = first_bytes(attributes) else {
                    return;
                };
                if meta.uid < self.from || self.seen.contains(&meta.uid) {
                    return;
                }
                if let Some(mail) = self.told(meta, bytes) {
                    self.seen.insert(meta.uid);
                    self.mail.push(mail);
                }
            }
            _ => self.status = done_of(response, tag),
        }
    }

    fn told(&self, meta: Meta, bytes: &[u8]) -> Option<NewMail> {
        if bytes == OVER_BUDGET_MARKER || bytes == OVERSIZE_MARKER {
            return None;
        }
        if (bytes.len() as u64) < self.prefix {
            return Some(NewMail::Whole(meta, bytes.to_vec()));
        }
        let header = header_block(bytes)?;
        if header.len() as u64 > self.max_header {
            return None;
        }
        Some(NewMail::Header(Box::new(meta.header_row(header))))
    }
}

/// The bytes of a `BODY[]<0>` (or `BODY[]`) item of a FETCH answer; none from another
/// origin (bytes from the middle of a message are not its start).
fn first_bytes<'a>(attributes: &'a [AttributeValue<'_>]) -> Option<&'a [u8]> {
    attributes.iter().find_map(|a| match a {
        AttributeValue::BodySection {
            section: None,
            index: None | Some(0),
            data: Some(data),
        } => Some(data.as_ref()),
        _ => None,
    })
}

/// The header block at the start of a message, its empty line included (RFC 5322 §2.1; a
/// bare LF as mainstream readers accept it); none when it does not end within `bytes`.
fn header_block(bytes: &[u8]) -> Option<&[u8]> {
    let crlf = find(bytes, b"\r\n\r\n").map(|at| at + 4);
    let lf = find(bytes, b"\n\n").map(|at| at + 2);
    let end = match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    Some(&bytes[..end])
}

fn find(bytes: &[u8], needle: &[u8]) -> Option<usize> {
    bytes.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(line: &[u8]) -> Vec<AttributeValue<'_>> {
        match Response::parse(line).expect("an answer").1 {
            Response::Fetch(_, attributes) => attributes,
            other => panic!("a FETCH answer, not {other:?}"),
        }
    }

    fn fetch_line(uid: u32, message: &str) -> Vec<u8> {
        format!(
            "* 7 FETCH (UID {uid} FLAGS (\\Seen) INTERNALDATE \" 7-Dec-2026 10:11:12 +0200\" RFC822.SIZE 9000 BODY[]<0> {{{}}}\r\n{message})\r\n",
            message.len()
        )
        .into_bytes()
    }

    fn told(prefix: u64, max_header: u64, line: &[u8]) -> Option<NewMail> {
        let attributes = answer(line);
        let (meta, _) = meta_of(&attributes).expect("a UID");
        let bytes = first_bytes(&attributes).expect("bytes");
        NewMailAnswer::new(1, prefix, max_header).told(meta, bytes)
    }

    #[test]
    fn a_message_shorter_than_asked_for_is_whole() {
        let message = "Subject: hello\r\n\r\nHi.\r\n";
        let Some(NewMail::Whole(meta, bytes)) = told(64, 1024, &fetch_line(42, message)) else {
            panic!("whole");
        };
        assert_eq!(
            (meta.uid, meta.size, bytes.as_slice()),
            (42, 9000, message.as_bytes())
        );
        assert!(meta.flags.seen);
    }

    #[test]
    fn a_longer_message_gives_its_header_row() {
        let message = format!("Subject: big\r\nFrom: a@b.test\r\n\r\n{}", "x".repeat(40));
        let line = fetch_line(43, &message);
        let Some(NewMail::Header(row)) = told(message.len() as u64, 1024, &line) else {
            panic!("a header row");
        };
        assert_eq!((row.uid, row.envelope.subject.as_str()), (43, "big"));
        // Header fields over their limit, or no end of them in the bytes: left to the
        // header pass.
        assert!(told(message.len() as u64, 8, &line).is_none());
        let endless = format!("Subject: {}", "y".repeat(40));
        assert!(told(endless.len() as u64, 1024, &fetch_line(44, &endless)).is_none());
        // Bare LF ends a header block too.
        let lf = format!("Subject: lf\n\n{}", "z".repeat(40));
        let Some(NewMail::Header(row)) = told(lf.len() as u64, 1024, &fetch_line(45, &lf)) else {
            panic!("a header row");
        };
        assert_eq!(row.envelope.subject, "lf");
    }

    #[test]
    fn bytes_from_another_origin_are_not_a_message() {
        let line = fetch_line(46, "Subject: x\r\n\r\nHi.\r\n");
        let text = String::from_utf8(line)
            .unwrap()
            .replace("BODY[]<0>", "BODY[]<100>");
        assert!(first_bytes(&answer(text.as_bytes())).is_none());
        // No origin named (a server that sends the whole message): its start all the same.
        let whole = text.replace("BODY[]<100>", "BODY[]");
        assert!(first_bytes(&answer(whole.as_bytes())).is_some());
    }

    #[test]
    fn marked_flags_only_and_older_answers_are_left_out() {
        let tag = RequestId("A1".into());
        let mut answer = NewMailAnswer::new(10, 64, 1024);
        for line in [
            fetch_line(9, "Subject: old\r\n\r\n"),
            b"* 8 FETCH (UID 12 FLAGS (\\Seen))\r\n".to_vec(),
            fetch_line(11, "Subject: new\r\n\r\n"),
            fetch_line(11, "Subject: twice\r\n\r\n"),
        ] {
            answer.take(&Response::parse(&line).expect("an answer").1, &tag);
        }
        let mut marked = b"* 9 FETCH (UID 13 BODY[]<0> {".to_vec();
        marked.extend(format!("{}}}\r\n", OVER_BUDGET_MARKER.len()).as_bytes());
        marked.extend(OVER_BUDGET_MARKER);
        marked.extend(b")\r\n");
        answer.take(&Response::parse(&marked).expect("an answer").1, &tag);
        let uids: Vec<i64> = answer.mail.iter().map(NewMail::uid).collect();
        assert_eq!(uids, [11]);
        assert!(answer.status.is_none());
        answer.take(&Response::parse(b"A1 OK done\r\n").expect("done").1, &tag);
        assert!(matches!(answer.status, Some(Ok(()))));
    }
}
