//! Text that came from a mail server, made safe to keep, log and show: printable
//! characters only (control characters, escapes and line breaks become one space), and
//! a bounded length. A hostile server decides these bytes, so nothing it sends reaches
//! `last_error`, a log line or a response without passing through here.

/// The longest server text kept (an IMAP `NO` text, an SMTP reply, a parser message).
pub const SERVER_TEXT_CHARS: usize = 200;

/// `text` on one line, printable characters only, at most `max_chars` characters (an
/// ellipsis ends a text that was cut).
pub fn printable(text: &str, max_chars: usize) -> String {
    // One character more than allowed tells a cut text from one that fits exactly.
    let mut kept: Vec<char> = Vec::with_capacity(max_chars.min(1024) + 1);
    let mut space = false;
    for c in text.chars() {
        if kept.len() > max_chars {
            break;
        }
        if c.is_whitespace() || c.is_control() || is_invisible(c) {
            space = !kept.is_empty();
            continue;
        }
        if space {
            kept.push(' ');
            space = false;
        }
        kept.push(c);
    }
    if kept.len() > max_chars {
        kept.truncate(max_chars.saturating_sub(1));
        if kept.last() == Some(&' ') {
            kept.pop();
        }
        kept.push('…');
    }
    kept.into_iter().collect()
}

/// A server's own words, as kept: printable and at most [`SERVER_TEXT_CHARS`].
pub fn server(text: &str) -> String {
    printable(text, SERVER_TEXT_CHARS)
}

/// Formatting characters that would let a text hide or reorder what is shown around it
/// (bidirectional overrides, zero-width characters, the BOM).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_printable_text_on_one_line() {
        assert_eq!(
            printable("  [ALERT]\r\n  Too\tmany\x1b[31m ", 50),
            "[ALERT] Too many [31m"
        );
        assert_eq!(printable("Пароль\u{202E}невірний", 50), "Пароль невірний");
        assert_eq!(printable("\0\0\0", 50), "");
    }

    #[test]
    fn cuts_at_the_limit() {
        let long = "x".repeat(10_000);
        let kept = server(&long);
        assert_eq!(kept.chars().count(), SERVER_TEXT_CHARS);
        assert!(kept.ends_with('…'));
        assert_eq!(printable("abc defg", 6), "abc d…");
        assert_eq!(printable("abc def", 5), "abc…");
        assert_eq!(printable("abcde", 5), "abcde");
        let cyrillic = "ї".repeat(500);
        assert_eq!(server(&cyrillic).chars().count(), SERVER_TEXT_CHARS);
    }
}
