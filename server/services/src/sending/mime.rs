//! The RFC 5322 message of a draft, built with lettre: the plain text with an HTML
//! alternative rendered from it (RFC 2046 §5.1.4, text first), inside multipart/mixed
//! when there are attachments. Header words and file names outside ASCII are encoded by
//! lettre (RFC 2047 words, RFC 2231 `filename*=`), bodies as 7bit, quoted-printable or
//! base64 as fits, lines ended with CRLF.

use super::reply::message_id;
use crate::mail::quotes;
use chrono::{DateTime, Utc};
use lettre::Address;
use lettre::address::Envelope;
use lettre::message::header::{ContentDisposition, ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, Message, MultiPart, SinglePart};
use std::time::SystemTime;

/// A draft ready to become a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub bcc: Vec<Mailbox>,
    pub subject: String,
    /// `<uuid@domain>`: the draft's one Message-ID.
    pub message_id: String,
    /// `<id>`, as [`super::reply::references`] gives it.
    pub in_reply_to: Option<String>,
    /// Space-separated `<id>`s.
    pub references: String,
    pub date: DateTime<Utc>,
    pub text: String,
    pub attachments: Vec<OutgoingAttachment>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingAttachment {
    pub name: String,
    /// As the browser gave it; anything lettre cannot read becomes
    /// `application/octet-stream`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The message as it goes out over SMTP: no `Bcc` header (RFC 5322 §3.6.3 leaves it to
/// the client; sending it would show every Bcc recipient to all). The SMTP envelope is
/// [`envelope_recipients`].
pub fn build(msg: &Outgoing) -> Result<Vec<u8>, String> {
    Ok(message(msg, false)?.formatted())
}

/// The message as kept in the server's Drafts folder: the same, with `Bcc` kept, so the
/// draft opened in another client still has its Bcc recipients. A Drafts copy is never
/// sent, so no one else sees that header.
pub fn draft_copy(msg: &Outgoing) -> Result<Vec<u8>, String> {
    Ok(message(msg, true)?.formatted())
}

/// Who the message is delivered to (the SMTP `RCPT TO`s): To, Cc and Bcc, each address
/// once (compared without case), in that order.
pub fn envelope_recipients(msg: &Outgoing) -> Vec<Address> {
    let mut out: Vec<Address> = Vec::new();
    for mailbox in msg.to.iter().chain(&msg.cc).chain(&msg.bcc) {
        let address = &mailbox.email;
        if !out
            .iter()
            .any(|a| super::addresses::same_address(a.as_ref(), address.as_ref()))
        {
            out.push(address.clone());
        }
    }
    out
}

fn message(msg: &Outgoing, keep_bcc: bool) -> Result<Message, String> {
    let id = message_id(&msg.message_id)
        .filter(|id| *id == msg.message_id)
        .ok_or_else(|| format!("not a Message-ID: {:?}", msg.message_id))?;
    let mut builder = Message::builder()
        .from(msg.from.clone())
        .subject(one_line(&msg.subject))
        .message_id(Some(id))
        .date(SystemTime::from(msg.date));
    for mailbox in &msg.to {
        builder = builder.to(mailbox.clone());
    }
    for mailbox in &msg.cc {
        builder = builder.cc(mailbox.clone());
    }
    for mailbox in &msg.bcc {
        builder = builder.bcc(mailbox.clone());
    }
    if let Some(parent) = msg.in_reply_to.as_deref().and_then(message_id) {
        builder = builder.in_reply_to(parent);
    }
    let references: Vec<String> = msg
        .references
        .split_whitespace()
        .filter_map(message_id)
        .collect();
    if !references.is_empty() {
        builder = builder.references(references.join(" "));
    }
    // Set here rather than derived from the headers, which lettre refuses without a To
    // (a draft may have none yet; a message may have only Bcc).
    let mut recipients = envelope_recipients(msg);
    if recipients.is_empty() {
        recipients.push(msg.from.email.clone());
    }
    let envelope = Envelope::new(Some(msg.from.email.clone()), recipients)
        .map_err(|e| format!("cannot make the envelope: {e}"))?;
    builder = builder.envelope(envelope);
    if keep_bcc {
        builder = builder.keep_bcc();
    }
    let text = plain(&msg.text);
    let alternative = MultiPart::alternative()
        .singlepart(SinglePart::plain(text.clone()))
        .singlepart(SinglePart::html(html_of(&text)));
    let built = if msg.attachments.is_empty() {
        builder.multipart(alternative)
    } else {
        let mixed = msg
            .attachments
            .iter()
            .fold(MultiPart::mixed().multipart(alternative), |mixed, a| {
                mixed.singlepart(attachment(a))
            });
        builder.multipart(mixed)
    };
    built.map_err(|e| format!("cannot build the message: {e}"))
}

/// One attachment part, always base64: the bytes arrive exactly as given whatever they
/// hold (lettre would send ASCII-only bytes as 7bit, where bare LF, CR and NUL do not
/// survive transport).
fn attachment(a: &OutgoingAttachment) -> SinglePart {
    let name: String = a.name.chars().filter(|c| !c.is_control()).collect();
    let name = if name.trim().is_empty() {
        "attachment".to_owned()
    } else {
        name
    };
    let content_type = ContentType::parse(a.content_type.trim()).unwrap_or_else(|_| octet_stream());
    SinglePart::builder()
        .header(ContentDisposition::attachment(&name))
        .header(content_type)
        .header(ContentTransferEncoding::Base64)
        .body(a.bytes.clone())
}

fn octet_stream() -> ContentType {
    // Always parses; lettre has no constant for it.
    ContentType::parse("application/octet-stream").unwrap_or(ContentType::TEXT_PLAIN)
}

/// Text with `\n` line ends (lettre makes them CRLF) and no NUL, which no text part may
/// carry (RFC 2045 §2.7).
fn plain(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\0', "")
}

/// Header text on one line.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The HTML alternative of a plain text: everything escaped, quoted runs (`> `, as the
/// reading pane folds them, [`quotes::blocks`]) nested in `<blockquote>`, line breaks as
/// `<br>`, http(s) URLs as links. No scripts, no styles beyond the quote bar.
pub fn html_of(text: &str) -> String {
    const OPEN: &str =
        "<blockquote style=\"margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex\">";
    let mut out = String::with_capacity(text.len() + text.len() / 8 + 200);
    out.push_str("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body><div>\n");
    let mut depth = 0;
    for (i, block) in quotes::blocks(text).iter().enumerate() {
        let target = usize::from(block.quote_depth);
        if i > 0 && target == depth {
            // Two runs at one depth are paragraphs apart.
            out.push_str("<br>\n");
        }
        while depth > target {
            out.push_str("</blockquote>\n");
            depth -= 1;
        }
        while depth < target {
            out.push_str(OPEN);
            out.push('\n');
            depth += 1;
        }
        for (n, line) in block.text.lines().enumerate() {
            if n > 0 {
                out.push_str("<br>\n");
            }
            line_html(line, &mut out);
        }
        out.push('\n');
    }
    while depth > 0 {
        out.push_str("</blockquote>\n");
        depth -= 1;
    }
    out.push_str("</div></body></html>\n");
    out
}

/// One line: links for http(s) URLs, the rest escaped, spaces kept (a run of spaces or a
/// leading space uses `&nbsp;`, as HTML would collapse them).
fn line_html(line: &str, out: &mut String) {
    let mut rest = line;
    let mut line_start = true;
    while let Some((start, end)) = next_url(rest) {
        text_html(&rest[..start], line_start, out);
        let url = &rest[start..end];
        out.push_str("<a href=\"");
        escape(url, out);
        out.push_str("\">");
        escape(url, out);
        out.push_str("</a>");
        rest = &rest[end..];
        line_start = false;
    }
    text_html(rest, line_start, out);
}

fn text_html(text: &str, line_start: bool, out: &mut String) {
    let mut previous_space = line_start;
    for c in text.chars() {
        if c == ' ' && previous_space {
            out.push_str("&nbsp;");
        } else {
            escape_char(c, out);
        }
        previous_space = c == ' ';
    }
}

/// Longest URL made a link; a longer token stays text (and the scan stays linear).
const MAX_URL_BYTES: usize = 2048;

/// Byte range of the first `http://` or `https://` URL in `text`: from the scheme (at a
/// word start) to the first space or `<>"`, trailing punctuation left out, a closing
/// bracket kept when the URL opened one.
fn next_url(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut from = 0;
    loop {
        let found = from
            + bytes[from..]
                .iter()
                .position(|b| b.eq_ignore_ascii_case(&b'h'))?;
        from = found + 1;
        let after = &bytes[found..];
        let Some(scheme) = [&b"https://"[..], &b"http://"[..]]
            .into_iter()
            .find(|s| after.len() >= s.len() && after[..s.len()].eq_ignore_ascii_case(s))
        else {
            continue;
        };
        if text[..found]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        let tail = &text[found..];
        let mut len = tail
            .find(|c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"'))
            .unwrap_or(tail.len());
        if len > MAX_URL_BYTES {
            from = found + len;
            continue;
        }
        while len > scheme.len() {
            let url = &tail[..len];
            let last = url.chars().next_back()?;
            let unbalanced = |open: char, close: char| {
                last == close && url.matches(open).count() < url.matches(close).count()
            };
            if ".,;:!?'".contains(last) || unbalanced('(', ')') || unbalanced('[', ']') {
                len -= last.len_utf8();
            } else {
                break;
            }
        }
        if len > scheme.len() {
            return Some((found, found + len));
        }
    }
}

fn escape(text: &str, out: &mut String) {
    text.chars().for_each(|c| escape_char(c, out));
}

fn escape_char(c: char, out: &mut String) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        c => out.push(c),
    }
}

#[cfg(test)]
#[path = "mime_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "mime_html_tests.rs"]
mod html_tests;
