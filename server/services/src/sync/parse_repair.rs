//! Repairs made to a message's bytes before MIME parsing, so that a broken message reads
//! the way mainstream readers read it: raw 8-bit header lines decoded, a header block that
//! runs into its text without the blank line ended where the text starts (top level and
//! MIME parts). Bounded: at most [`MAX_REPAIRS`] blank lines of at most two bytes added.

use memchr::{memchr, memchr2_iter, memmem};
use std::borrow::Cow;

/// Most blank lines added to one message.
pub const MAX_REPAIRS: usize = 1000;
/// Most MIME boundaries looked for, and their longest length (RFC 2046 allows 70).
const MAX_BOUNDARIES: usize = 64;
const MAX_BOUNDARY_LEN: usize = 200;

/// The bytes of `raw` as the app parses them; every reader of a stored part number
/// (attachment downloads) must parse these bytes, not `raw`, to find the same parts.
pub fn readable(raw: &[u8]) -> Cow<'_, [u8]> {
    let raw = utf8_header_lines(raw);
    match repaired_structure(&raw) {
        Some(fixed) => Cow::Owned(fixed),
        None => raw,
    }
}

/// Header lines in raw 8-bit bytes that are not UTF-8 (RFC 5322 forbids them; old
/// clients send them anyway) are decoded from the charset the message declares, else from
/// windows-1251, the usual legacy charset of our users' correspondents; UTF-8 lines and
/// the body are left as they are.
pub(super) fn utf8_header_lines(raw: &[u8]) -> Cow<'_, [u8]> {
    let end = memmem::find(raw, b"\r\n\r\n")
        .or_else(|| memmem::find(raw, b"\n\n"))
        .unwrap_or(raw.len());
    let head = &raw[..end];
    if std::str::from_utf8(head).is_ok() {
        return Cow::Borrowed(raw);
    }
    let legacy = declared_charset(head)
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .filter(|e| *e != encoding_rs::UTF_8)
        .unwrap_or(encoding_rs::WINDOWS_1251);
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 8);
    for line in head.split_inclusive(|&b| b == b'\n') {
        match std::str::from_utf8(line) {
            Ok(_) => out.extend_from_slice(line),
            Err(_) => out.extend_from_slice(legacy.decode_without_bom_handling(line).0.as_bytes()),
        }
    }
    out.extend_from_slice(&raw[end..]);
    Cow::Owned(out)
}

/// The `charset=` parameter in a header block, if any.
fn declared_charset(head: &[u8]) -> Option<String> {
    let lower = head.to_ascii_lowercase();
    let at = lower.windows(8).position(|w| w == b"charset=")? + 8;
    let value: String = lower[at..]
        .iter()
        .map(|&b| b as char)
        .skip_while(|c| *c == '"')
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .collect();
    (!value.is_empty()).then_some(value)
}

/// The bytes with a blank line put where a header block (the message's or a MIME part's)
/// runs into its text; `None` when every block ends properly.
fn repaired_structure(raw: &[u8]) -> Option<Vec<u8>> {
    let mut ends = Vec::new();
    ends.extend(missing_blank_line(raw, 0, true, &[]));
    let boundaries = boundaries(raw);
    // Only lines that start with "--" can be delimiters: the first line, and every line
    // after a "\n--" (found with SIMD instead of walking every line of the message).
    let first = raw.starts_with(b"--").then_some(0);
    let dashes = memmem::find_iter(raw, b"\n--").map(|at| at + 1);
    for pos in first.into_iter().chain(dashes) {
        if ends.len() >= MAX_REPAIRS {
            break;
        }
        let (line, next) = line_at(raw, pos);
        if let Some(rest) = line.strip_prefix(b"--")
            && let Some(b) = boundaries.iter().find(|b| rest.starts_with(b))
            // A delimiter (blanks may follow it, RFC 2046), not the closing one.
            && rest[b.len()..].iter().all(|c| matches!(c, b' ' | b'\t'))
        {
            ends.extend(missing_blank_line(raw, next, false, &boundaries));
        }
    }
    if ends.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(raw.len() + 2 * ends.len());
    let mut copied = 0;
    for at in ends {
        if at < copied {
            continue;
        }
        out.extend_from_slice(&raw[copied..at]);
        out.extend_from_slice(if raw[..at].ends_with(b"\r\n") {
            b"\r\n"
        } else {
            b"\n"
        });
        copied = at;
    }
    out.extend_from_slice(&raw[copied..]);
    Some(out)
}

/// Where the header block starting at `start` meets a line that is no header field
/// without a blank line before it (RFC 5322: the fields end there); `None` when the
/// block ends properly. A stray line between two fields is passed over, as readers do.
fn missing_blank_line(
    raw: &[u8],
    start: usize,
    top: bool,
    boundaries: &[Vec<u8>],
) -> Option<usize> {
    let mut pos = start;
    let mut first = true;
    while pos < raw.len() {
        let (line, next) = line_at(raw, pos);
        if line.is_empty() || is_delimiter(line, boundaries) {
            return None;
        }
        let folded = matches!(line[0], b' ' | b'\t');
        let header = is_field(line)
            || folded && (top || !first)
            || top && first && line.starts_with(b"From ");
        if !header {
            let stray = !first && next < raw.len() && is_field(line_at(raw, next).0);
            if !stray {
                return Some(pos);
            }
        }
        pos = next;
        first = false;
    }
    None
}

fn is_delimiter(line: &[u8], boundaries: &[Vec<u8>]) -> bool {
    line.strip_prefix(b"--")
        .is_some_and(|rest| boundaries.iter().any(|b| rest.starts_with(b)))
}

/// `Name:` with a printable ASCII name (blanks before the colon are obsolete but read).
fn is_field(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return false;
    };
    let name = line[..colon].trim_ascii_end();
    !name.is_empty() && name.iter().all(|b| (33..=126).contains(b))
}

/// The line at `pos` without its line break, and where the next line starts.
fn line_at(raw: &[u8], pos: usize) -> (&[u8], usize) {
    let rest = &raw[pos..];
    match memchr(b'\n', rest) {
        Some(nl) => {
            let line = &rest[..nl];
            (line.strip_suffix(b"\r").unwrap_or(line), pos + nl + 1)
        }
        None => (rest, raw.len()),
    }
}

/// The `boundary=` values in the message, longest first (so one that starts another is
/// tried after it).
fn boundaries(raw: &[u8]) -> Vec<Vec<u8>> {
    const KEY: &[u8] = b"boundary=";
    let mut found: Vec<Vec<u8>> = Vec::new();
    // Where the last value ended: a key is looked for after it.
    let mut at = 0;
    for hit in memchr2_iter(b'b', b'B', raw) {
        if found.len() == MAX_BOUNDARIES {
            break;
        }
        if hit < at
            || !raw
                .get(hit..hit + KEY.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(KEY))
        {
            continue;
        }
        at = hit + KEY.len();
        let value = &raw[at..];
        let b: &[u8] = match value.strip_prefix(b"\"") {
            Some(quoted) => &quoted[..memchr(b'"', quoted).unwrap_or(0)],
            None => {
                let end = value
                    .iter()
                    .position(|c| matches!(c, b';' | b' ' | b'\t' | b'\r' | b'\n'))
                    .unwrap_or(value.len());
                &value[..end]
            }
        };
        if !b.is_empty() && b.len() <= MAX_BOUNDARY_LEN && !found.iter().any(|f| f == b) {
            found.push(b.to_vec());
        }
    }
    found.sort_by_key(|b| std::cmp::Reverse(b.len()));
    found
}

#[cfg(test)]
#[path = "parse_repair_tests.rs"]
mod tests;
