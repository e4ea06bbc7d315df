//! Attachments and inline images of a message, taken from a fresh fetch of the whole
//! message (see [`super::fetch`]), with the headers that keep a download a download: a
//! type the browser cannot run, a file name that cannot break the header or name a path.

use super::fetch::Reader;
use crate::{
    accounts::Actor,
    error::{ServiceError, ServiceResult},
    mail_view::readable_message,
};
use mail_parser::{Encoding, MessageParser, MimeHeaders, PartType};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::sync::Arc;

/// One part's original bytes and how to serve them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The file name the message gives it (may be empty).
    pub name: String,
    /// The type to serve: the declared one when harmless, else
    /// `application/octet-stream`; an inline image's type is the one its bytes show.
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Types a browser shows or saves without running anything in our origin. HTML, SVG,
/// XML and scripts are never among them.
const HARMLESS_TYPES: &[&str] = &[
    "application/gzip",
    "application/msword",
    "application/pdf",
    "application/rtf",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/x-7z-compressed",
    "application/zip",
    "audio/mpeg",
    "audio/ogg",
    "audio/wav",
    "image/bmp",
    "image/gif",
    "image/jpeg",
    "image/png",
    "image/webp",
    "text/calendar",
    "text/csv",
    "text/plain",
    "video/mp4",
    "video/webm",
];

/// `attr-char` of RFC 8187: everything else in `filename*` is percent-encoded.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// Attachment `index` (its place in the message's attachment list) of a message the
/// actor may read; `NotFound` for no access, no such attachment, or a message gone from
/// its server.
pub async fn attachment(
    reader: &Reader,
    actor: &Actor,
    message_id: i64,
    index: usize,
) -> ServiceResult<Part> {
    let row = readable_message(reader.db(), actor, message_id).await?;
    let info = row
        .attachments
        .0
        .get(index)
        .cloned()
        .ok_or(ServiceError::NotFound)?;
    let raw = reader.raw(&row).await?;
    let part = usize::try_from(info.part).map_err(|_| ServiceError::NotFound)?;
    let bytes = parsed(raw, move |raw, mut m| {
        if part >= m.parts.len() {
            return None;
        }
        original_bytes(raw, m.parts.swap_remove(part))
    })
    .await?
    .ok_or(ServiceError::NotFound)?;
    Ok(Part {
        content_type: served_type(&info.content_type),
        name: info.name,
        bytes,
    })
}

/// The inline part with Content-ID `cid` of a message the actor may read, when it is a
/// raster image (PNG, JPEG, GIF, WebP, BMP) by its declared type and by its bytes.
pub async fn inline_image(
    reader: &Reader,
    actor: &Actor,
    message_id: i64,
    cid: &str,
) -> ServiceResult<Part> {
    let row = readable_message(reader.db(), actor, message_id).await?;
    let wanted = bare_id(cid).to_owned();
    if wanted.is_empty() {
        return Err(ServiceError::NotFound);
    }
    let raw = reader.raw(&row).await?;
    let found = parsed(raw, move |raw, mut m| {
        let at = m
            .parts
            .iter()
            .position(|p| p.content_id().is_some_and(|id| bare_id(id) == wanted))?;
        let part = m.parts.swap_remove(at);
        let declared = part.content_type()?;
        let declared = format!("{}/{}", declared.ctype(), declared.subtype().unwrap_or(""));
        if !RASTER_TYPES
            .iter()
            .any(|t| declared.eq_ignore_ascii_case(t))
        {
            return None;
        }
        let name = part.attachment_name().unwrap_or_default().to_owned();
        Some((name, original_bytes(raw, part)?))
    })
    .await?;
    let (name, bytes) = found.ok_or(ServiceError::NotFound)?;
    let content_type = raster_type(&bytes).ok_or(ServiceError::NotFound)?;
    Ok(Part {
        name,
        content_type,
        bytes,
    })
}

/// Declared types an inline image may have.
const RASTER_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/jpg",
    "image/pjpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
];

/// A raster image type by its first bytes.
pub fn raster_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"BM") && bytes.len() > 14 {
        Some("image/bmp")
    } else {
        None
    }
}

/// The type an attachment is served as: its declared type when harmless, else
/// `application/octet-stream`.
pub fn served_type(declared: &str) -> &'static str {
    let bare = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let bare = if bare == "image/jpg" {
        "image/jpeg"
    } else {
        bare.as_str()
    };
    HARMLESS_TYPES
        .iter()
        .find(|t| **t == bare)
        .copied()
        .unwrap_or("application/octet-stream")
}

/// `Content-Disposition` for a download of `name`: an ASCII `filename` without quotes,
/// backslashes, path separators or control characters, and the exact name in
/// `filename*` (RFC 6266, RFC 8187).
pub fn content_disposition(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if matches!(c, '/' | '\\') { '_' } else { c })
        .filter(|c| !c.is_control())
        .collect();
    let clean = clean.trim().trim_start_matches('.').trim();
    let clean = if clean.is_empty() {
        "attachment"
    } else {
        clean
    };
    let ascii: String = clean
        .chars()
        .map(|c| match c {
            ' '..='~' if !matches!(c, '"' | '%' | ';' | '\\') => c,
            _ => '_',
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(clean, ATTR_CHAR)
    )
}

/// A Content-ID without its angle brackets and spaces.
fn bare_id(id: &str) -> &str {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
}

/// Runs `take` over the raw and parsed message off the async threads; a parser panic on
/// hostile bytes is an internal error, not a crash.
async fn parsed<T: Send + 'static>(
    raw: Arc<[u8]>,
    take: impl FnOnce(&[u8], mail_parser::Message<'_>) -> Option<T> + Send + 'static,
) -> ServiceResult<Option<T>> {
    tokio::task::spawn_blocking(move || {
        let message = MessageParser::default().parse(&raw[..])?;
        take(&raw[..], message)
    })
    .await
    .map_err(|e| ServiceError::Internal(anyhow::anyhow!("parsing the message failed: {e}")))
}

/// The part's bytes as sent, transfer encoding undone: binary parts as the parser decoded
/// them (moved, not copied); text parts from the raw body, since the parser converts
/// their charset to UTF-8.
fn original_bytes(raw: &[u8], part: mail_parser::MessagePart<'_>) -> Option<Vec<u8>> {
    let (start, end) = (part.raw_body_offset(), part.raw_end_offset());
    match part.body {
        PartType::Binary(b) | PartType::InlineBinary(b) => Some(b.into_owned()),
        PartType::Message(m) => Some(m.raw_message().to_vec()),
        PartType::Multipart(_) => None,
        PartType::Text(_) | PartType::Html(_) => {
            let start = usize::try_from(start).ok()?;
            let end = usize::try_from(end).ok()?;
            let body = raw.get(start..end.max(start))?;
            match part.encoding {
                Encoding::Base64 => mail_parser::decoders::base64::base64_decode(body),
                Encoding::QuotedPrintable => {
                    mail_parser::decoders::quoted_printable::quoted_printable_decode(body)
                }
                Encoding::None => Some(body.to_vec()),
            }
        }
    }
}

/// Bytes sent per body chunk of a download.
pub const CHUNK_BYTES: usize = 64 << 10;

/// A response body stream over `chunks` (slices of one buffer, so nothing is copied).
pub fn stream_of<T: Send + 'static>(
    chunks: impl Iterator<Item = T> + Send + 'static,
) -> impl futures_util::Stream<Item = Result<T, std::convert::Infallible>> + Send + 'static {
    futures_util::stream::iter(chunks.map(Ok))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_runnable_is_served_as_itself() {
        for declared in [
            "text/html",
            "TEXT/HTML; charset=utf-8",
            "image/svg+xml",
            "application/xhtml+xml",
            "application/xml",
            "text/xml",
            "text/javascript",
            "application/javascript",
            "application/x-msdownload",
            "multipart/mixed",
            "",
        ] {
            assert_eq!(
                served_type(declared),
                "application/octet-stream",
                "{declared}"
            );
        }
        assert_eq!(served_type("application/PDF"), "application/pdf");
        assert_eq!(served_type("image/jpg"), "image/jpeg");
    }

    #[test]
    fn file_names_cannot_break_the_header() {
        assert_eq!(
            content_disposition("a\r\nSet-Cookie: x=1\".txt"),
            "attachment; filename=\"aSet-Cookie: x=1_.txt\"; \
             filename*=UTF-8''aSet-Cookie%3A%20x%3D1%22.txt"
        );
        assert_eq!(
            content_disposition("../../etc/passwd"),
            "attachment; filename=\"_.._etc_passwd\"; filename*=UTF-8''_.._etc_passwd"
        );
        assert_eq!(
            content_disposition(" .. "),
            "attachment; filename=\"attachment\"; filename*=UTF-8''attachment"
        );
    }

    #[test]
    fn raster_types_are_told_by_their_bytes() {
        assert_eq!(raster_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(raster_type(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
        assert_eq!(raster_type(b"GIF89a..."), Some("image/gif"));
        assert_eq!(raster_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(raster_type(b"<svg onload=alert(1)>"), None);
        assert_eq!(raster_type(b"<html>"), None);
    }
}
