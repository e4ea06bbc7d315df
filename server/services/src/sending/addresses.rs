//! Address lists as a user types them into To / Cc / Bcc: `Name <a@b>, c@d; "Last, First"
//! <e@f>`. Items are split on `,` and `;` (Outlook's separator) outside quoted strings and
//! angle brackets; each item is one RFC 5322 mailbox (§3.4) as lettre reads it, so what
//! is accepted here is exactly what the SMTP envelope and the headers can carry.

use lettre::message::Mailbox;

/// Most recipients (To, Cc and Bcc together) one message may have; the caller checks.
pub const MAX_RECIPIENTS: usize = 100;

/// Longest list accepted, in characters: far above 100 long addresses, far below a paste
/// that would make the parse itself the cost.
const MAX_INPUT_CHARS: usize = 20_000;

/// The mailboxes of a typed list, in order; empty items (`a@b,,c@d`, a trailing comma)
/// are skipped. `Err` holds the first item that is not an address, trimmed, as typed (the
/// form shows it); a list over 20,000 characters is refused with its beginning.
pub fn parse_list(input: &str) -> Result<Vec<Mailbox>, String> {
    if input.chars().nth(MAX_INPUT_CHARS).is_some() {
        let start: String = input.trim_start().chars().take(40).collect();
        return Err(format!("{start}…"));
    }
    let mut out = Vec::new();
    for item in items(input) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let mut mailbox = item.parse::<Mailbox>().map_err(|_| item.to_owned())?;
        // `"" <a@b>` names no one.
        if mailbox.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            mailbox.name = None;
        }
        out.push(mailbox);
    }
    Ok(out)
}

/// Whether two addresses are the same mailbox: the address parts (inside `<…>` when a
/// display name is given) compared without case. The local part is case-sensitive by
/// RFC 5321 §2.4, but no provider treats it so, and a reply must not go back to its
/// writer because they typed their address in capitals.
pub fn same_address(a: &str, b: &str) -> bool {
    let (a, b) = (address_part(a), address_part(b));
    !a.is_empty() && a.to_lowercase() == b.to_lowercase()
}

/// `a@b` of `a@b`, `<a@b>` or `Name <a@b>`.
fn address_part(text: &str) -> &str {
    let text = text.trim();
    match (text.rfind('<'), text.strip_suffix('>')) {
        (Some(open), Some(inner)) if open < inner.len() => inner[open + 1..].trim(),
        _ => text,
    }
}

/// The items of a list: split on `,` and `;` outside `"…"` (with `\` escapes) and `<…>`.
fn items(input: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut start, mut quoted, mut escaped, mut angle) = (0, false, false, false);
    for (i, c) in input.char_indices() {
        if quoted {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            '<' => angle = true,
            '>' => angle = false,
            ',' | ';' if !angle => {
                items.push(&input[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&input[start..]);
    items
}

#[cfg(test)]
#[path = "addresses_tests.rs"]
mod tests;
