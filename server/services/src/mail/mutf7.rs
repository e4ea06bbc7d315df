//! Modified UTF-7, the encoding of IMAP mailbox names (RFC 3501 §5.1.3).
//!
//! Printable US-ASCII (0x20–0x7e) stands for itself, except `&`, which is written `&-`.
//! Everything else is UTF-16BE in a base64 variant (`,` instead of `/`, no `=` padding)
//! between `&` and `-`. Decoding is strict, so that `encode(decode(x)) == x` and two
//! spellings never name the same folder: a shifted run must not encode printable ASCII,
//! two runs must not be adjacent, left-over bits must be zero and surrogates must pair.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

fn is_direct(c: char) -> bool {
    (' '..='~').contains(&c)
}

fn sextet(b: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| a == b)
        .and_then(|p| u32::try_from(p).ok())
}

/// Decodes a raw IMAP mailbox name; `None` when it is not canonical modified UTF-7.
pub fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    // Where the previous shifted run ended: RFC 3501 forbids `&…-&…-`.
    let mut last_run_end = None;
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'&' {
            if !(0x20..=0x7e).contains(&b) {
                return None;
            }
            out.push(char::from(b));
            i += 1;
            continue;
        }
        let end = i + 1 + bytes[i + 1..].iter().position(|&c| c == b'-')?;
        if end == i + 1 {
            out.push('&');
        } else {
            if last_run_end == Some(i) {
                return None;
            }
            decode_run(&bytes[i + 1..end], &mut out)?;
            last_run_end = Some(end + 1);
        }
        i = end + 1;
    }
    Some(out)
}

/// One shifted run (without `&` and `-`): base64 → UTF-16BE → chars.
fn decode_run(run: &[u8], out: &mut String) -> Option<()> {
    let mut units = Vec::with_capacity(run.len() * 6 / 16);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in run {
        acc = (acc << 6) | sextet(b)?;
        bits += 6;
        if bits >= 16 {
            bits -= 16;
            units.push(u16::try_from((acc >> bits) & 0xffff).ok()?);
            acc &= (1 << bits) - 1;
        }
    }
    // Padding bits must be fewer than a sextet and all zero.
    if bits >= 6 || acc != 0 || units.is_empty() {
        return None;
    }
    for c in char::decode_utf16(units) {
        let c = c.ok()?;
        if is_direct(c) {
            return None;
        }
        out.push(c);
    }
    Some(())
}

/// Encodes a mailbox name for the wire.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending: Vec<u16> = Vec::new();
    for c in s.chars() {
        if is_direct(c) {
            flush_run(&mut pending, &mut out);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            pending.extend_from_slice(c.encode_utf16(&mut [0; 2]));
        }
    }
    flush_run(&mut pending, &mut out);
    out
}

fn flush_run(units: &mut Vec<u16>, out: &mut String) {
    if units.is_empty() {
        return;
    }
    out.push('&');
    let (mut acc, mut bits) = (0u32, 0u32);
    for unit in units.drain(..) {
        acc = (acc << 16) | u32::from(unit);
        bits += 16;
        while bits >= 6 {
            bits -= 6;
            out.push(char::from(ALPHABET[((acc >> bits) & 0x3f) as usize]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (6 - bits)) & 0x3f) as usize]));
    }
    out.push('-');
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAIRS: &[(&str, &str)] = &[
        ("INBOX", "INBOX"),
        ("Entw&APw-rfe", "Entwürfe"),
        ("&BBoEOwRWBFQEPQRCBDg-", "Клієнти"),
        ("&-", "&"),
        ("Tom &- Jerry", "Tom & Jerry"),
        ("Projects/2026", "Projects/2026"),
        // RFC 3501 §5.1.3's own example.
        ("~peter/mail/&U,BTFw-/&ZeVnLIqe-", "~peter/mail/台北/日本語"),
        // U+1F600 needs a surrogate pair.
        ("&2D3eAA-", "\u{1F600}"),
        ("a&AOQA5A-b", "aääb"),
        ("", ""),
    ];

    #[test]
    fn decodes_and_encodes_both_ways() {
        for (wire, text) in PAIRS {
            assert_eq!(decode(wire).as_deref(), Some(*text), "decode {wire}");
            assert_eq!(encode(text), *wire, "encode {text}");
        }
    }

    #[test]
    fn rejects_malformed_names() {
        for bad in [
            "&BBoE",      // no closing '-'
            "&Jjo!-",     // '!' is not in the alphabet
            "&AGE-",      // encodes printable ASCII 'a'
            "&AOQ-&AOQ-", // two adjacent runs
            "&2D0-",      // unpaired high surrogate
            "&AOR-",      // non-zero padding bits
            "&AOQA-",     // a dangling half unit
            "Entwürfe",   // raw 8-bit
            "tab\there",  // control character
        ] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn round_trips_arbitrary_text() {
        for text in ["日本語 & more", "a&b&&c", "Ёжик\u{1F600}x", "~&~", "\u{7f}"] {
            assert_eq!(decode(&encode(text)).as_deref(), Some(text));
        }
    }
}
