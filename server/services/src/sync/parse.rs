//! What the app keeps of a message, read with mail-parser: the envelope (for the list and
//! threads) from the header block, the bodies and attachment facts from the whole message.
//! Charsets (windows-1251, KOI8-U, ISO-8859-x, RFC 2047 words) are decoded by mail-parser
//! through encoding_rs. Nothing here fails: a broken message still yields a row to list.
//! Broken messages read as mainstream readers read them: the bytes are repaired first
//! ([`readable`]), the text shown is chosen and decoded in `parse_body.rs`, format=flowed
//! is joined in [`flowed`].

use chrono::{DateTime, Utc};
use mail_parser::{Address, HeaderValue, Message, MessageParser};
use serde::{Deserialize, Serialize};

#[path = "parse_body.rs"]
mod body;
#[path = "parse_flowed.rs"]
pub mod flowed;
#[path = "parse_repair.rs"]
mod repair;

pub use body::{transfer_decoded, uudecode};
pub use repair::readable;

/// Characters of the list preview.
const SNIPPET_CHARS: usize = 160;
/// Bounds of what a header block may put in a row (a hostile block is capped at the
/// stream; these keep each row small whatever it says).
const MAX_TEXT_CHARS: usize = 1000;
const MAX_NAME_CHARS: usize = 300;
const MAX_PEOPLE: usize = 100;
const MAX_REFERENCES: usize = 100;
const MAX_ATTACHMENTS: usize = 1000;

/// Every header field an envelope is made of: [`envelope_of`]'s own and the machine-mail
/// check's (`crm::machine::FIELDS`, with `Content-Type`, which also gives [`readable`] the
/// charset of raw 8-bit lines). What the header pass asks a server for (`fetch::headers`, RFC
/// 3501 `BODY.PEEK[HEADER.FIELDS (…)]`) instead of the whole header block: a fraction of
/// its bytes in real-world mail, whose Received, DKIM and ARC fields are most of a block,
/// and a server that caches header fields (Dovecot) answers from its cache without opening
/// the message files. A field read from a header block must be named here.
pub const ENVELOPE_FIELDS: [&str; 18] = joined(OWN_FIELDS, crate::crm::machine::FIELDS);

/// [`envelope_of`]'s fields.
const OWN_FIELDS: [&str; 9] = [
    "Date",
    "From",
    "Subject",
    "To",
    "Cc",
    "Reply-To",
    "Message-ID",
    "In-Reply-To",
    "References",
];

const fn joined(own: [&'static str; 9], machine: [&'static str; 9]) -> [&'static str; 18] {
    let mut all = [""; 18];
    let mut i = 0;
    while i < 9 {
        all[i] = own[i];
        all[9 + i] = machine[i];
        i += 1;
    }
    all
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    pub address: String,
}

/// Header facts of one message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Envelope {
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub thread_id: String,
    pub subject: String,
    pub from: Person,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    pub reply_to: Vec<Person>,
    pub sent_at: Option<DateTime<Utc>>,
    /// Machine or bulk mail (lists, bounces, auto-replies, no-reply senders): see
    /// `crm::machine`.
    pub automated: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentInfo {
    pub name: String,
    pub content_type: String,
    pub size: u64,
    /// mail-parser's part number: the bytes are taken from a fresh fetch of the message
    /// when the user opens the attachment (they are not stored; see README § Sync).
    pub part: u32,
}

/// Body facts of one message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Content {
    pub text: Option<String>,
    pub html: Option<String>,
    pub snippet: String,
    pub attachments: Vec<AttachmentInfo>,
}

/// The envelope from a header block (all of it, or its [`ENVELOPE_FIELDS`]) or a whole
/// message.
pub fn envelope(raw: &[u8]) -> Envelope {
    let raw = &*readable(raw);
    MessageParser::default()
        .parse_headers(raw)
        .map(|m| envelope_of(&m))
        .unwrap_or_else(|| fallback_envelope(raw))
}

/// Envelope and content of a whole message (`BODY.PEEK[]`).
pub fn message(raw: &[u8]) -> (Envelope, Content) {
    let original = raw;
    let raw = &*readable(raw);
    if raw.starts_with(b"\n") || raw.starts_with(b"\r\n") {
        // Its first line is no header field: all of it is text (RFC 5322).
        return (fallback_envelope(original), raw_text(original));
    }
    // Attachments are listed, not stored: their base64 is sized, never decoded (a tenth
    // of a first sync's CPU went to decoding bytes that were then dropped).
    match MessageParser::default().with_binary_undecoded().parse(raw) {
        Some(m) => (envelope_of(&m), body::content_of(&m)),
        // No header block at all: keep the bytes readable as text.
        None => (fallback_envelope(raw), raw_text(raw)),
    }
}

/// The content of a whole message; should the parser ever panic on hostile bytes, the
/// message is kept as plain text instead, so one message never stops a folder.
pub fn message_or_raw(raw: &[u8]) -> Content {
    whole_or_raw(raw).1
}

/// Envelope and content of a whole message, with the same guard as [`message_or_raw`].
pub fn whole_or_raw(raw: &[u8]) -> (Envelope, Content) {
    std::panic::catch_unwind(|| message(raw)).unwrap_or_else(|_| {
        tracing::warn!(
            bytes = raw.len(),
            "MIME parser panicked; kept the message as text"
        );
        (fallback_envelope(raw), raw_text(raw))
    })
}

/// The envelope of a header block, with the same guard as [`message_or_raw`].
pub fn envelope_or_default(raw: &[u8]) -> Envelope {
    std::panic::catch_unwind(|| envelope(raw)).unwrap_or_else(|_| {
        tracing::warn!(bytes = raw.len(), "MIME parser panicked on a header block");
        fallback_envelope(raw)
    })
}

fn raw_text(raw: &[u8]) -> Content {
    let text = body::without_nul(match std::str::from_utf8(raw) {
        Ok(text) => text.to_owned(),
        Err(_) => body::legacy(raw)
            .decode_without_bom_handling(raw)
            .0
            .into_owned(),
    });
    Content {
        snippet: preview(&text),
        text: Some(text),
        ..Content::default()
    }
}

fn fallback_envelope(raw: &[u8]) -> Envelope {
    let mut envelope = Envelope::default();
    envelope.thread_id = thread_id(&envelope, raw);
    envelope
}

fn envelope_of(m: &Message<'_>) -> Envelope {
    let mut references = ids(m.references());
    if references.len() > MAX_REFERENCES {
        // The root (first) names the thread; the latest ones matter for replies.
        let keep_last = MAX_REFERENCES - 1;
        references.drain(1..references.len() - keep_last);
    }
    let mut envelope = Envelope {
        message_id: m.message_id().map(clean_id).filter(|id| !id.is_empty()),
        in_reply_to: ids(m.in_reply_to()).into_iter().next(),
        references,
        subject: m
            .subject()
            .map(|s| capped(&one_line(s), MAX_TEXT_CHARS))
            .unwrap_or_default(),
        from: m
            .from()
            .and_then(|a| people(a).into_iter().next())
            .unwrap_or_default(),
        to: m.to().map(people).unwrap_or_default(),
        cc: m.cc().map(people).unwrap_or_default(),
        reply_to: m.reply_to().map(people).unwrap_or_default(),
        sent_at: m
            .date()
            .and_then(|d| DateTime::<Utc>::from_timestamp(d.to_timestamp(), 0)),
        thread_id: String::new(),
        automated: false,
    };
    envelope.automated = crate::crm::machine::is_automated_message(m, &envelope.from.address);
    envelope.thread_id = thread_id(&envelope, m.raw_message());
    envelope
}

/// The thread a message belongs to: the root of its References, else what it replies
/// to, else (a reply whose client dropped both headers) its subject without "Re:", else
/// its own Message-ID. Several messages share the id iff they share the conversation.
fn thread_id(e: &Envelope, raw: &[u8]) -> String {
    if let Some(root) = e.references.first() {
        return format!("id:{root}");
    }
    if let Some(parent) = &e.in_reply_to {
        return format!("id:{parent}");
    }
    let topic = base_subject(&e.subject);
    if topic != e.subject.trim().to_lowercase() && !topic.is_empty() {
        return format!("subject:{topic}");
    }
    match &e.message_id {
        Some(id) => format!("id:{id}"),
        // Neither ids nor a reply subject: a thread of its own, stable for these bytes.
        None => format!("raw:{:016x}", fnv1a(raw)),
    }
}

/// The subject without reply/forward prefixes (English and Ukrainian clients), lowercased.
pub fn base_subject(subject: &str) -> String {
    const PREFIXES: [&str; 7] = ["re:", "fwd:", "fw:", "aw:", "відп:", "пересл:", "вих:"];
    let mut rest = subject.trim().to_lowercase();
    loop {
        let before = rest.len();
        for prefix in PREFIXES {
            if let Some(stripped) = rest.strip_prefix(prefix) {
                rest = stripped.trim_start().to_owned();
            }
        }
        // "Re[2]:" and "Re(2):"
        if let Some(stripped) = rest
            .strip_prefix("re[")
            .or_else(|| rest.strip_prefix("re("))
            && let Some(pos) = stripped.find(':')
        {
            rest = stripped[pos + 1..].trim_start().to_owned();
        }
        if rest.len() == before {
            return rest;
        }
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_on(0xcbf2_9ce4_8422_2325, bytes)
}

fn fnv1a_on(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A thread of its own for a message read from its [`ENVELOPE_FIELDS`] that names none
/// ([`thread_id`]'s `raw:` case: no ids, no reply subject): those fields alone are alike
/// for many such messages (empty for all without a header block), so the server's arrival
/// time and size of the message are hashed with them.
pub fn own_thread_by_arrival(envelope: &mut Envelope, fields: &[u8], received_at: i64, size: i64) {
    if envelope.thread_id.starts_with("raw:") {
        let hash = fnv1a_on(fnv1a(fields), &received_at.to_le_bytes());
        let hash = fnv1a_on(hash, &size.to_le_bytes());
        envelope.thread_id = format!("raw:{hash:016x}");
    }
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let list: Vec<String> = match value {
        HeaderValue::Text(id) => vec![clean_id(id)],
        HeaderValue::TextList(list) => list.iter().map(|id| clean_id(id)).collect(),
        _ => Vec::new(),
    };
    list.into_iter().filter(|id| !id.is_empty()).collect()
}

fn clean_id(id: &str) -> String {
    capped(
        id.trim().trim_start_matches('<').trim_end_matches('>'),
        MAX_TEXT_CHARS,
    )
}

fn people(address: &Address<'_>) -> Vec<Person> {
    address
        .iter()
        .take(MAX_PEOPLE)
        .map(|a| {
            // A bare word (`From: postmaster`) is a local address without a domain.
            let bare = a
                .name()
                .filter(|n| a.address().is_none() && !n.contains(char::is_whitespace));
            Person {
                name: a
                    .name()
                    .filter(|_| bare.is_none())
                    .map(|n| capped(&one_line(n), MAX_NAME_CHARS))
                    .unwrap_or_default(),
                address: a
                    .address()
                    .or(bare)
                    .map(|n| capped(&one_line(n), MAX_NAME_CHARS))
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// At most `max` characters.
fn capped(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => text[..cut].to_owned(),
        None => text.to_owned(),
    }
}

/// Header text on one line: folded whitespace and control characters become spaces.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The list preview: the words of the first `2 × SNIPPET_CHARS` characters on one line,
/// at most `SNIPPET_CHARS` of them (what [`one_line`] makes of them, in one pass).
fn preview(text: &str) -> String {
    let mut out = String::with_capacity(SNIPPET_CHARS);
    let (mut kept, mut gap) = (0, false);
    for c in text.chars().take(SNIPPET_CHARS * 2) {
        if c.is_whitespace() || c.is_control() {
            gap = kept > 0;
            continue;
        }
        if gap {
            if kept == SNIPPET_CHARS {
                break;
            }
            out.push(' ');
            kept += 1;
            gap = false;
        }
        if kept == SNIPPET_CHARS {
            break;
        }
        out.push(c);
        kept += 1;
    }
    out
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
