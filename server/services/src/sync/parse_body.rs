//! The body facts of a parsed message as a reader sees them: the text shown (first text
//! body, `format=flowed` joined; a part whose Content-Type is broken reads as text/plain,
//! RFC 2045 § 5.2; a missing, wrong or unknown charset falls back to UTF-8 when the bytes
//! are UTF-8, else to the legacy charset they look like) and the attachments with the
//! sizes a download gives (transfer encoding undone, x-uuencode too).

use super::{AttachmentInfo, Content, MAX_ATTACHMENTS, MAX_NAME_CHARS, capped, one_line, preview};
use super::{SNIPPET_CHARS, flowed::unflow};
use encoding_rs::Encoding as Charset;
use mail_parser::{
    Encoding, HeaderName, Message, MessageParser, MessagePart, MimeHeaders, PartType,
    decoders::{
        base64::base64_decode, charsets::map::charset_decoder, html::html_to_text,
        quoted_printable::quoted_printable_decode,
    },
};
use std::borrow::Cow;

pub(super) fn content_of(m: &Message<'_>) -> Content {
    let (text, shown) = shown_text(m);
    // Only a real text/html part: mail-parser would otherwise turn the text into HTML.
    let html = m
        .html_body
        .first()
        .and_then(|&id| m.parts.get(id as usize))
        .filter(|p| matches!(p.body, PartType::Html(_)))
        .and_then(|_| m.body_html(0))
        .map(|h| h.into_owned());
    let snippet = match &text {
        Some(t) => preview(t),
        None => m
            .body_preview(SNIPPET_CHARS)
            .map(|p| one_line(&p))
            .unwrap_or_default(),
    };
    let bodies = [m.text_body.first(), m.html_body.first()];
    // Named text parts besides the bodies (a second inline text/plain with a file name)
    // are listed too, so nothing the sender attached is out of reach.
    let named_texts = m
        .text_body
        .iter()
        .chain(m.html_body.iter())
        .filter(|id| !bodies.contains(&Some(id)))
        .filter(|&&id| {
            m.parts
                .get(id as usize)
                .is_some_and(|p| p.attachment_name().is_some())
        });
    let mut ids: Vec<u32> = Vec::new();
    for &id in m.attachments.iter().chain(named_texts) {
        if ids.len() == MAX_ATTACHMENTS {
            break;
        }
        if Some(id) != shown && !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids.sort_unstable();
    let attachments = ids
        .into_iter()
        .filter_map(|id| Some(attachment(m, id, m.parts.get(id as usize)?)))
        .collect();
    Content {
        text: text.map(without_nul),
        html: html.map(without_nul),
        snippet,
        attachments,
    }
}

/// Text without NUL characters (a database text column refuses them; no reader shows them).
pub(super) fn without_nul(text: String) -> String {
    if text.contains('\0') {
        text.replace('\0', "")
    } else {
        text
    }
}

/// The text a reader shows, and the part it comes from.
fn shown_text(m: &Message<'_>) -> (Option<String>, Option<u32>) {
    if let Some(&id) = m.text_body.first()
        && let Some(p) = m.parts.get(id as usize)
    {
        match &p.body {
            PartType::Text(t) => return (Some(plain_text(m, p, t)), Some(id)),
            PartType::Html(h) => return (Some(html_to_text(&without_title(h))), Some(id)),
            _ => {}
        }
    }
    if !m.html_body.is_empty() {
        return (None, None);
    }
    // No body at all: the first part with a broken Content-Type (no subtype) that is not
    // an attachment is the text (RFC 2045 § 5.2: such a part is text/plain).
    let broken = m.parts.iter().enumerate().find(|(_, p)| {
        matches!(p.body, PartType::Text(_) | PartType::Binary(_))
            && p.content_type()
                .is_some_and(|ct| ct.subtype().is_none_or(str::is_empty))
            && !p.content_disposition().is_some_and(|d| d.is_attachment())
    });
    match broken {
        Some((id, p)) => {
            let text = match &p.body {
                PartType::Text(t) => plain_text(m, p, t),
                _ => plain_text(m, p, &String::from_utf8_lossy(&binary_bytes(m, p))),
            };
            (Some(text), u32::try_from(id).ok())
        }
        None => (None, None),
    }
}

/// The HTML without its `<title>` (a browser shows it on no page; an HTML body without a
/// `<head>` would otherwise start with it).
fn without_title(html: &str) -> Cow<'_, str> {
    let lower = html.to_ascii_lowercase();
    let Some(start) = lower.find("<title") else {
        return Cow::Borrowed(html);
    };
    match lower[start..].find("</title>") {
        Some(len) => Cow::Owned([&html[..start], &html[start + len + "</title>".len()..]].concat()),
        None => Cow::Borrowed(html),
    }
}

/// A text/plain part as shown: charset fallback, then `format=flowed` joined.
fn plain_text(m: &Message<'_>, p: &MessagePart<'_>, decoded: &str) -> String {
    let text = recharset(m, p, decoded).unwrap_or_else(|| decoded.to_owned());
    let param = |name: &str, value: &str| {
        p.content_type()
            .and_then(|ct| ct.attribute(name))
            .is_some_and(|v| v.eq_ignore_ascii_case(value))
    };
    if param("format", "flowed") {
        unflow(&text, param("delsp", "yes"))
    } else {
        text
    }
}

/// The text decoded again when the declared charset is missing, `us-ascii` with 8-bit
/// bytes, unknown, or wrong: UTF-8 bytes are UTF-8 whatever the label says; other
/// bytes under no usable label are the legacy charset they look like.
fn recharset(m: &Message<'_>, p: &MessagePart<'_>, decoded: &str) -> Option<String> {
    let label = p.content_type().and_then(|ct| ct.attribute("charset"));
    let label = label.map(str::to_ascii_lowercase).unwrap_or_default();
    if label.starts_with("utf-16") || label.starts_with("utf-32") || label.starts_with("utf-7") {
        return None;
    }
    let unlabelled = label.is_empty()
        || matches!(
            label.as_str(),
            "us-ascii" | "ascii" | "unknown-8bit" | "x-unknown"
        )
        || charset_decoder(label.as_bytes()).is_none();
    let utf8_label = label == "utf-8" || label == "utf8";
    if !unlabelled && utf8_label && !decoded.contains('\u{fffd}') {
        return None;
    }
    let bytes = transfer_decoded(m.raw_message(), p)?;
    if bytes.is_ascii() {
        return None;
    }
    if let Ok(utf8) = std::str::from_utf8(&bytes) {
        return (!utf8_label).then(|| utf8.to_owned());
    }
    // A declared legacy charset is kept; a UTF-8 label with real UTF-8 letters too.
    let mostly_utf8 = decoded.chars().any(|c| !c.is_ascii() && c != '\u{fffd}');
    if !unlabelled && (!utf8_label || mostly_utf8) {
        return None;
    }
    Some(
        legacy(&bytes)
            .decode_without_bom_handling(&bytes)
            .0
            .into_owned(),
    )
}

/// The legacy charset 8-bit text looks like: Cyrillic letters fill the upper half in
/// windows-1251 and KOI8-U (lower case on top in windows-1251, below in KOI8), Western
/// text has a few accented letters among ASCII ones (windows-1252).
pub(super) fn legacy(bytes: &[u8]) -> &'static Charset {
    let count = |r: std::ops::RangeInclusive<u8>| bytes.iter().filter(|b| r.contains(b)).count();
    let (upper, lower) = (count(0xc0..=0xdf), count(0xe0..=0xff));
    let letters = bytes.iter().filter(|b| b.is_ascii_alphabetic()).count() + upper + lower;
    if (upper + lower) * 10 < letters * 3 {
        encoding_rs::WINDOWS_1252
    } else if lower >= upper {
        encoding_rs::WINDOWS_1251
    } else {
        encoding_rs::KOI8_U
    }
}

/// The part's bytes with the transfer encoding undone, as a download gives them.
pub fn transfer_decoded<'a>(raw: &'a [u8], p: &MessagePart<'_>) -> Option<Cow<'a, [u8]>> {
    let start = usize::try_from(p.raw_body_offset()).ok()?;
    let end = usize::try_from(p.raw_end_offset()).ok()?;
    let body = raw.get(start..end.max(start))?;
    match p.encoding {
        Encoding::Base64 => base64_decode(body).map(Cow::Owned),
        Encoding::QuotedPrintable => quoted_printable_decode(body).map(Cow::Owned),
        Encoding::None if is_uuencoded(p) => Some(Cow::Owned(uudecode(body))),
        Encoding::None => Some(Cow::Borrowed(body)),
    }
}

/// The bytes of a non-text part, whose base64 the sync's parser leaves encoded
/// (`parse::message`); base64 that does not decode is taken as it is, as the parser
/// itself would take it.
fn binary_bytes<'a>(m: &'a Message<'_>, p: &'a MessagePart<'_>) -> Cow<'a, [u8]> {
    match p.encoding {
        Encoding::Base64 => {
            transfer_decoded(m.raw_message(), p).unwrap_or_else(|| Cow::Borrowed(p.contents()))
        }
        _ => Cow::Borrowed(p.contents()),
    }
}

/// How many bytes base64 decodes to, counted without decoding it, as mail-parser decodes:
/// letters of the alphabet are taken four to three bytes; a `=` ends a group of two or
/// three letters as one or two bytes (one letter: one byte); letters left over at the end
/// without one are dropped; white space is skipped. (Other bytes are skipped too, where
/// the parser would give up on the part's encoding and keep it as it is.)
pub(super) fn base64_len(encoded: &[u8]) -> usize {
    let mut len = 0;
    let mut rest = encoded;
    loop {
        let end = memchr::memchr(b'=', rest);
        let letters = base64_letters(&rest[..end.unwrap_or(rest.len())]);
        len += letters / 4 * 3;
        let Some(end) = end else {
            return len;
        };
        len += [0, 1, 1, 2][letters % 4];
        rest = &rest[end + 1..];
    }
}

/// The letters of the base64 alphabet in `bytes`, counted 255 at a time into one byte
/// each (a loop the compiler turns into vector instructions: a megabyte in well under a
/// millisecond). Indexed and matched inline, without an iterator's or a method's call per
/// byte: the test command's debug builds count 2.4 times as fast, optimised builds within 10 %
/// (docs/benchmarks.md, thirty-seventh round).
fn base64_letters(bytes: &[u8]) -> usize {
    let mut letters = 0;
    for chunk in bytes.chunks(255) {
        let mut n = 0u8;
        let mut i = 0;
        while i < chunk.len() {
            n += matches!(chunk[i], b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/') as u8;
            i += 1;
        }
        letters += usize::from(n);
    }
    letters
}

fn is_uuencoded(p: &MessagePart<'_>) -> bool {
    p.content_transfer_encoding().is_some_and(|e| {
        let e = e.trim().to_ascii_lowercase();
        matches!(e.as_str(), "x-uuencode" | "uuencode" | "x-uue")
    })
}

/// The bytes of a uuencoded body (`begin` … `end`); lines that are no uuencode are skipped.
pub fn uudecode(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut lines = body.split(|&b| b == b'\n').map(|l| l.trim_ascii_end());
    if !lines.any(|l| l.starts_with(b"begin ")) {
        return out;
    }
    for line in lines {
        let Some((&len, data)) = line.split_first() else {
            continue;
        };
        if line == b"end" {
            break;
        }
        let len = usize::from(len.wrapping_sub(b' ') & 0x3f);
        let sextet = |i: usize| {
            data.get(i)
                .map_or(0, |c| u32::from(c.wrapping_sub(b' ') & 0x3f))
        };
        let mut decoded = Vec::with_capacity(len + 2);
        for group in 0..len.div_ceil(3) {
            let n = (0..4).fold(0u32, |n, i| (n << 6) | sextet(group * 4 + i));
            decoded.extend_from_slice(&n.to_be_bytes()[1..]);
        }
        decoded.truncate(len);
        out.extend_from_slice(&decoded);
    }
    out
}

fn attachment(m: &Message<'_>, part: u32, p: &MessagePart<'_>) -> AttachmentInfo {
    let content_type = p
        .content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_owned(),
        })
        .unwrap_or_else(|| "application/octet-stream".into())
        .to_ascii_lowercase();
    let size = match &p.body {
        PartType::Text(_) | PartType::Html(_) => {
            transfer_decoded(m.raw_message(), p).map(|b| b.len())
        }
        PartType::Binary(b) | PartType::InlineBinary(b) if is_uuencoded(p) => {
            Some(uudecode(b).len())
        }
        PartType::Binary(b) | PartType::InlineBinary(b) if p.encoding == Encoding::Base64 => {
            Some(base64_len(b))
        }
        _ => None,
    };
    AttachmentInfo {
        name: capped(&one_line(&attachment_name(m, p)), MAX_NAME_CHARS),
        content_type: capped(&content_type, MAX_NAME_CHARS),
        size: size.unwrap_or_else(|| p.len()) as u64,
        part,
    }
}

/// The file name; encoded words folded over several lines inside a quoted parameter
/// (which the parser decodes one by one, with the folding left between them) are joined
/// as RFC 2047 § 6.2 says.
fn attachment_name(m: &Message<'_>, p: &MessagePart<'_>) -> String {
    let name = p.attachment_name().unwrap_or_default();
    if !name.contains(char::is_whitespace) {
        return name.to_owned();
    }
    [
        (HeaderName::ContentDisposition, "filename="),
        (HeaderName::ContentType, "name="),
    ]
    .into_iter()
    .find_map(|(header, key)| {
        let h = p.headers().iter().find(|h| h.name == header)?;
        let raw = m
            .raw_message()
            .get(h.offset_start as usize..h.offset_end as usize)?;
        encoded_param(raw, key)
    })
    .unwrap_or_else(|| name.to_owned())
}

fn encoded_param(raw: &[u8], key: &str) -> Option<String> {
    let lower = raw.to_ascii_lowercase();
    let at = lower
        .windows(key.len() + 1)
        .position(|w| matches!(w[0], b';' | b' ' | b'\t' | b'\n') && w[1..] == *key.as_bytes())?;
    let value = raw[at + 1 + key.len()..].strip_prefix(b"\"")?;
    let value = &value[..value.iter().position(|&c| c == b'"')?];
    if !value.windows(2).any(|w| w == b"=?") {
        return None;
    }
    let unfolded: Vec<u8> = value
        .iter()
        .copied()
        .filter(|c| !matches!(c, b'\r' | b'\n'))
        .collect();
    let header = [b"Subject: ".as_slice(), &unfolded, b"\r\n\r\n"].concat();
    let subject = MessageParser::default()
        .parse_headers(&header)?
        .subject()?
        .to_owned();
    Some(subject)
}

#[cfg(test)]
#[path = "parse_body_tests.rs"]
mod tests;
