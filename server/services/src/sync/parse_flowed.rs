//! `format=flowed` plain text (RFC 3676) as a reader shows it: the soft-broken lines of a
//! paragraph joined into one line, `DelSp=yes` honoured, space-stuffing undone and the
//! quote depth kept as `>` markers once a paragraph (so the reading pane can fold quotes).

/// The paragraphs of flowed `text`, one a line; a quoted paragraph starts with its depth
/// in `>` and a space. Never longer than `text` plus one space a paragraph.
pub fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    // The paragraph being joined: its quote depth and text so far.
    let mut open: Option<(usize, String)> = None;
    let lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let count = text.split('\n').count();
    for (i, line) in lines.enumerate() {
        // A final line break ends the text, it is no empty last line.
        if i + 1 == count && line.is_empty() && i > 0 {
            break;
        }
        let body = line.trim_start_matches('>');
        let depth = line.len() - body.len();
        let body = body.strip_prefix(' ').unwrap_or(body);
        let flowed = body.ends_with(' ') && body != "-- ";
        let body = match (flowed, delsp) {
            (true, true) => &body[..body.len() - 1],
            _ => body,
        };
        // A quote depth change ends the paragraph (RFC 3676 § 4.5).
        if let Some((d, text)) = open.take_if(|(d, _)| *d != depth) {
            push_paragraph(&mut out, d, &text);
        }
        let (_, joined) = open.get_or_insert_with(|| (depth, String::new()));
        joined.push_str(body);
        if !flowed && let Some((d, text)) = open.take() {
            push_paragraph(&mut out, d, &text);
        }
    }
    if let Some((d, text)) = open {
        push_paragraph(&mut out, d, &text);
    }
    if out.ends_with('\n') && !text.ends_with('\n') {
        out.pop();
    }
    out
}

fn push_paragraph(out: &mut String, depth: usize, text: &str) {
    if depth > 0 {
        out.extend(std::iter::repeat_n('>', depth));
        out.push(' ');
    }
    out.push_str(text);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::unflow;

    #[test]
    fn soft_breaks_join_into_paragraphs() {
        let text = "This is a long \r\nparagraph that \r\nflows.\r\nA fixed line.\r\n\r\nNext.\r\n";
        assert_eq!(
            unflow(text, false),
            "This is a long paragraph that flows.\nA fixed line.\n\nNext.\n"
        );
    }

    #[test]
    fn delsp_removes_the_soft_break_space() {
        assert_eq!(
            unflow("Ukrainian words spl \nit here\n", true),
            "Ukrainian words split here\n"
        );
        assert_eq!(
            unflow("Ukrainian words spl \nit here\n", false),
            "Ukrainian words spl it here\n"
        );
    }

    #[test]
    fn quote_depth_is_kept_once_a_paragraph() {
        let text = "> quoted text that \n> goes on\n>> deeper \n>> still\n> back\nreply \nhere\n";
        assert_eq!(
            unflow(text, false),
            "> quoted text that goes on\n>> deeper still\n> back\nreply here\n"
        );
    }

    #[test]
    fn a_depth_change_ends_a_flowed_paragraph() {
        assert_eq!(unflow("> quote \nreply\n", false), "> quote \nreply\n");
    }

    #[test]
    fn stuffing_and_signature_separator() {
        // " From" was space-stuffed; "-- " is the signature separator, never flowed.
        assert_eq!(
            unflow("  From here\n-- \nOlena \nK.\n", false),
            " From here\n-- \nOlena K.\n"
        );
    }

    #[test]
    fn hostile_input_stays_bounded() {
        assert_eq!(unflow("", false), "");
        assert_eq!(unflow(">>>>", false), ">>>> ");
        let many = "> \n".repeat(10_000);
        assert!(unflow(&many, true).len() <= many.len() + 10_000);
        let text = "é \u{a0}\n\r\n>\u{1F600} \n";
        assert!(!unflow(text, true).is_empty());
    }
}
