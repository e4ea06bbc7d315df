//! What a reply or forward starts with: its subject (`Re:`/`Fwd:` once), threading
//! headers (RFC 5322 §3.6.4) and recipients (reply all without the user's own addresses);
//! the body with the original quoted or forwarded is `quote`. Pure functions of the
//! original as sync stored it.

use super::addresses::same_address;
use crate::sync::parse::Person;
use chrono::{DateTime, Utc};
use domain::ComposeKind;

/// Message-IDs a References header keeps: the root and the latest ones (RFC 5322 §3.6.4
/// lets a client trim the middle; long chains otherwise grow without bound).
const MAX_REFERENCES: usize = 20;
/// Longest Message-ID carried on; real ones are under 100 characters.
const MAX_ID_CHARS: usize = 500;

/// The message replied to or forwarded, as sync stored it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Original {
    /// With or without `<>` (sync stores it without); [`references`] returns it with.
    pub message_id: Option<String>,
    /// The original's own In-Reply-To (with or without `<>`): stands in for References
    /// when the original has none (RFC 5322 §3.6.4).
    pub in_reply_to: Option<String>,
    /// Space-separated Message-IDs, with or without `<>` (sync stores them without).
    pub references: String,
    pub subject: String,
    pub from: Person,
    pub reply_to: Vec<Person>,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    pub sent_at: Option<DateTime<Utc>>,
    pub text: String,
}

/// Prefixes of replies in English, German and Ukrainian clients (as
/// `sync::parse::base_subject` knows them), lowercase. A forward's prefix stays under a
/// reply ("Re: Fwd: x", as Gmail and Thunderbird write it): it says what was answered.
const REPLY_PREFIXES: [&str; 4] = ["re:", "aw:", "відп:", "вих:"];
const FORWARD_PREFIXES: [&str; 3] = ["fwd:", "fw:", "пересл:"];

/// The subject a draft starts with. A reply strips every leading reply prefix (`Re: Re:`,
/// `RE:`, `AW:`, `Відп:`, `Re[2]:`) and puts one `Re: `; a forward
/// strips leading `Fwd:`/`Fw:` and puts one `Fwd: `. The rest keeps its case.
pub fn subject(kind: ComposeKind, original: &str) -> String {
    let original = original.trim();
    let (prefix, rest) = match kind {
        ComposeKind::New => return original.to_owned(),
        ComposeKind::Reply | ComposeKind::ReplyAll => {
            ("Re:", strip(original, &REPLY_PREFIXES, true))
        }
        ComposeKind::Forward => ("Fwd:", strip(original, &FORWARD_PREFIXES, false)),
    };
    if rest.is_empty() {
        prefix.to_owned()
    } else {
        format!("{prefix} {rest}")
    }
}

/// `subject` without any chain of these prefixes (and `Re[n]:`/`Re(n):` for replies).
fn strip<'a>(subject: &'a str, prefixes: &[&str], numbered: bool) -> &'a str {
    let mut rest = subject;
    loop {
        let next = prefixes
            .iter()
            .find_map(|p| strip_prefix_ignoring_case(rest, p))
            .or_else(|| numbered.then(|| strip_numbered(rest)).flatten());
        match next {
            Some(after) => rest = after.trim_start(),
            None => return rest,
        }
    }
}

/// `text` after `prefix` (lowercase) when it starts with it in any case.
fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let mut chars = text.char_indices();
    for p in prefix.chars() {
        let (_, c) = chars.next()?;
        if !c.to_lowercase().eq(p.to_lowercase()) {
            return None;
        }
    }
    Some(chars.next().map_or("", |(i, _)| &text[i..]))
}

/// `text` after `Re[2]:` or `Re(2):`.
fn strip_numbered(text: &str) -> Option<&str> {
    let rest = strip_prefix_ignoring_case(text, "re")?;
    let close = match rest.chars().next()? {
        '[' => ']',
        '(' => ')',
        _ => return None,
    };
    let rest = &rest[1..];
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    rest[digits..].strip_prefix(close)?.strip_prefix(':')
}

/// In-Reply-To and References of a reply or forward (RFC 5322 §3.6.4): In-Reply-To is
/// the original's Message-ID; References is the original's References (or, without
/// them, its single In-Reply-To) followed by its Message-ID, at most 20 ids (the root and
/// the latest 19). Every id comes out as `<…@…>`; ids that do not look like one (spaces,
/// line breaks, no `@`, non-ASCII) are dropped, so nothing stored can reach the headers
/// as anything but an id.
pub fn references(original: &Original) -> (Option<String>, String) {
    let own = original.message_id.as_deref().and_then(message_id);
    let mut ids: Vec<String> = original
        .references
        .split_whitespace()
        .filter_map(message_id)
        .collect();
    if ids.is_empty()
        && let Some(parent) = original.in_reply_to.as_deref()
        && parent.split_whitespace().count() == 1
    {
        ids.extend(message_id(parent));
    }
    if let Some(own) = &own {
        ids.retain(|id| id != own);
        ids.push(own.clone());
    }
    if ids.len() > MAX_REFERENCES {
        ids.drain(1..ids.len() - (MAX_REFERENCES - 1));
    }
    (own, ids.join(" "))
}

/// `<id>` of a Message-ID given with or without `<>`, if it looks like one
/// (`id-left "@" id-right`, printable ASCII, RFC 5322 §3.6.4).
pub fn message_id(text: &str) -> Option<String> {
    let text = text.trim();
    let inner = text.strip_prefix('<').unwrap_or(text);
    let inner = inner.strip_suffix('>').unwrap_or(inner);
    let (left, right) = inner.split_once('@')?;
    let fine = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b'@'))
    };
    (fine(left) && fine(right) && inner.len() <= MAX_ID_CHARS).then(|| format!("<{inner}>"))
}

/// To and Cc a draft starts with. Reply: the original's Reply-To, else its From; when the
/// original was the user's own (From is one of `own`, e.g. replying in Sent), its To.
/// Reply all: that plus the original's To, and its Cc, without the user's own addresses
/// and without repeats (the first mention wins, To before Cc); when only Cc is left it
/// becomes To. Forward and New start empty.
pub fn recipients(
    kind: ComposeKind,
    original: &Original,
    own: &[String],
) -> (Vec<Person>, Vec<Person>) {
    let is_own = |p: &Person| own.iter().any(|o| same_address(o, &p.address));
    let by_user = is_own(&original.from);
    let has_address = |p: &Person| !p.address.trim().is_empty();
    let direct: Vec<Person> = if by_user && original.to.iter().any(has_address) {
        original.to.clone()
    } else if original.reply_to.iter().any(has_address) {
        original.reply_to.clone()
    } else {
        vec![original.from.clone()]
    };
    match kind {
        ComposeKind::New | ComposeKind::Forward => (Vec::new(), Vec::new()),
        ComposeKind::Reply => {
            let mut seen = Vec::new();
            let others = distinct(&direct, &mut seen, |p| !by_user || !is_own(p));
            // A message the user sent to themselves is answered to themselves.
            let to = if others.is_empty() {
                distinct(&direct, &mut Vec::new(), |_| true)
            } else {
                others
            };
            (to, Vec::new())
        }
        ComposeKind::ReplyAll => {
            let mut seen = Vec::new();
            let mut all_to = direct;
            if !by_user {
                all_to.extend(original.to.iter().cloned());
            }
            let to = distinct(&all_to, &mut seen, |p| !is_own(p));
            let cc = distinct(&original.cc, &mut seen, |p| !is_own(p));
            match (to.is_empty(), cc.is_empty()) {
                (true, true) => recipients(ComposeKind::Reply, original, own),
                (true, false) => (cc, Vec::new()),
                _ => (to, cc),
            }
        }
    }
}

/// People of `list` with an address, kept by `keep`, not already in `seen` (which grows).
fn distinct(
    list: &[Person],
    seen: &mut Vec<String>,
    keep: impl Fn(&Person) -> bool,
) -> Vec<Person> {
    let mut out = Vec::new();
    for person in list {
        let address = person.address.trim();
        if address.is_empty() || !keep(person) || seen.iter().any(|s| same_address(s, address)) {
            continue;
        }
        seen.push(address.to_owned());
        out.push(Person {
            name: person.name.trim().to_owned(),
            address: address.to_owned(),
        });
    }
    out
}

/// People as an address list the form shows and [`super::addresses::parse_list`] reads
/// back unchanged: `Name <a@b>, c@d`; a name with anything but letters, digits, spaces
/// and RFC 5322 atom characters is quoted (§3.2.4), `"` and `\` escaped.
pub fn format_list(people: &[Person]) -> String {
    people
        .iter()
        .filter(|p| !p.address.trim().is_empty())
        .map(format_person)
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn format_person(person: &Person) -> String {
    let address = person.address.trim();
    let name = one_line(&person.name);
    if name.is_empty() {
        return address.to_owned();
    }
    let atom = |c: char| c.is_alphanumeric() || c == ' ' || "!#$%&'*+-/=?^_`{|}~".contains(c);
    if name.chars().all(atom) {
        format!("{name} <{address}>")
    } else {
        let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{escaped}\" <{address}>")
    }
}

/// Text on one line, runs of whitespace and control characters made one space.
pub(super) fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
#[path = "reply_tests.rs"]
pub(super) mod tests;
