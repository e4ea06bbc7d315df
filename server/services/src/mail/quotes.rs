//! Plain text split into runs by quote depth, for the reading pane to fold quoted text:
//! `>` markers (`>>` and `> >` alike) are counted and removed; a blank line stays with the
//! run around it, so one quote separated by empty lines folds as one block.

use domain::TextBlock;

/// The deepest quote level told apart; deeper quotes count as this.
pub const MAX_QUOTE_DEPTH: u8 = 8;

/// The runs of `text` by quote depth, in order, markers removed; no run is empty.
pub fn blocks(text: &str) -> Vec<TextBlock> {
    let mut runs: Vec<(u8, Vec<&str>)> = Vec::new();
    for line in text.lines() {
        let (depth, rest) = unquote(line);
        let blank = rest.trim().is_empty();
        match runs.last_mut() {
            // A blank unquoted line belongs to the run it sits in.
            Some((d, lines)) if *d == depth || blank && depth == 0 => lines.push(rest),
            _ => runs.push((depth, vec![rest])),
        }
    }
    let mut out: Vec<TextBlock> = Vec::with_capacity(runs.len());
    for (depth, lines) in runs {
        let first = lines.iter().position(|l| !l.trim().is_empty());
        let last = lines.iter().rposition(|l| !l.trim().is_empty());
        let (Some(first), Some(last)) = (first, last) else {
            continue;
        };
        let text = lines[first..=last].join("\n");
        match out.last_mut() {
            Some(prev) if prev.quote_depth == depth => {
                prev.text.push_str("\n\n");
                prev.text.push_str(&text);
            }
            _ => out.push(TextBlock {
                quote_depth: depth,
                text,
            }),
        }
    }
    out
}

/// The quote depth of a line (capped) and the line without its markers.
fn unquote(line: &str) -> (u8, &str) {
    let mut depth: usize = 0;
    let mut rest = line;
    loop {
        if let Some(r) = rest.strip_prefix('>') {
            depth += 1;
            rest = r;
        } else if rest.starts_with(" >") && depth > 0 {
            rest = &rest[1..];
        } else {
            break;
        }
    }
    if depth > 0 {
        rest = rest.strip_prefix(' ').unwrap_or(rest);
    }
    let depth = u8::try_from(depth.min(usize::from(MAX_QUOTE_DEPTH))).unwrap_or(MAX_QUOTE_DEPTH);
    (depth, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(quote_depth: u8, text: &str) -> TextBlock {
        TextBlock {
            quote_depth,
            text: text.into(),
        }
    }

    #[test]
    fn reply_above_a_quote() {
        let text = "Thanks, agreed.\n\nOn Monday Olena wrote:\n> Can we meet?\n> At ten?\n";
        assert_eq!(
            blocks(text),
            vec![
                b(0, "Thanks, agreed.\n\nOn Monday Olena wrote:"),
                b(1, "Can we meet?\nAt ten?")
            ]
        );
    }

    #[test]
    fn nested_quotes_in_both_spellings() {
        let text = "> first\n>> second\n> > also second\n>>> third\nme\n";
        assert_eq!(
            blocks(text),
            vec![
                b(1, "first"),
                b(2, "second\nalso second"),
                b(3, "third"),
                b(0, "me")
            ]
        );
    }

    #[test]
    fn blank_lines_keep_a_quote_in_one_block() {
        let text = "> para one\n>\n> para two\n\n> para three\n\nreply\r\n";
        assert_eq!(
            blocks(text),
            vec![b(1, "para one\n\npara two\n\npara three"), b(0, "reply")]
        );
    }

    #[test]
    fn depth_is_capped_and_markers_removed() {
        let text = format!("{} deep\n", ">".repeat(40));
        assert_eq!(blocks(&text), vec![b(MAX_QUOTE_DEPTH, "deep")]);
    }

    #[test]
    fn no_text_no_blocks() {
        assert!(blocks("").is_empty());
        assert!(blocks("\n\n  \n").is_empty());
        assert_eq!(blocks(">"), vec![]);
        assert_eq!(blocks("a > b"), vec![b(0, "a > b")]);
    }
}
