//! The folder list a successful IMAP check returns: names decoded, special uses found,
//! sorted for display (INBOX first, children right after their parent).

use crate::mail::mutf7;
use async_imap::types::NameAttribute;
use serde::{Deserialize, Serialize};
use std::{cmp::Ordering, str::FromStr};

/// Folders kept from one LIST answer (a server listing more is hostile or unusable:
/// the wizard would show tens of thousands of checkboxes, each run would visit them).
pub const MAX_FOLDERS: usize = 1000;
/// Longest folder name kept, in bytes on the wire.
pub const MAX_FOLDER_NAME_BYTES: usize = 1000;

/// Whether a listed name joins `kept`: not over the count (INBOX always is), not too
/// long, no control characters (RFC 3501 §9 mailbox names cannot hold them).
pub(crate) fn keep(kept: &[FolderInfo], name: &str) -> bool {
    let usable = name.len() <= MAX_FOLDER_NAME_BYTES
        && !name.is_empty()
        && !name.chars().any(char::is_control);
    usable && (kept.len() < MAX_FOLDERS || name.eq_ignore_ascii_case("INBOX"))
}

/// What a folder is for (RFC 6154 §2; INBOX is special by name, RFC 3501 §5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpecialUse {
    Inbox,
    Sent,
    Drafts,
    Trash,
    Archive,
    Junk,
    All,
    Flagged,
}

impl SpecialUse {
    pub const ALL: [SpecialUse; 8] = [
        SpecialUse::Inbox,
        SpecialUse::Sent,
        SpecialUse::Drafts,
        SpecialUse::Trash,
        SpecialUse::Archive,
        SpecialUse::Junk,
        SpecialUse::All,
        SpecialUse::Flagged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SpecialUse::Inbox => "inbox",
            SpecialUse::Sent => "sent",
            SpecialUse::Drafts => "drafts",
            SpecialUse::Trash => "trash",
            SpecialUse::Archive => "archive",
            SpecialUse::Junk => "junk",
            SpecialUse::All => "all",
            SpecialUse::Flagged => "flagged",
        }
    }

    fn from_attribute(attribute: &NameAttribute<'_>) -> Option<SpecialUse> {
        Some(match attribute {
            NameAttribute::Sent => SpecialUse::Sent,
            NameAttribute::Drafts => SpecialUse::Drafts,
            NameAttribute::Trash => SpecialUse::Trash,
            NameAttribute::Archive => SpecialUse::Archive,
            NameAttribute::Junk => SpecialUse::Junk,
            NameAttribute::All => SpecialUse::All,
            NameAttribute::Flagged => SpecialUse::Flagged,
            _ => return None,
        })
    }
}

impl FromStr for SpecialUse {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SpecialUse::ALL
            .into_iter()
            .find(|u| u.as_str() == s)
            .ok_or_else(|| format!("unknown special use {s:?}"))
    }
}

/// One folder of the account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderInfo {
    /// The name on the wire (modified UTF-7): what SELECT, APPEND… must be given.
    pub name: String,
    /// Decoded full path, e.g. `Projects/2026` or `Клієнти`.
    pub display_name: String,
    pub delimiter: Option<String>,
    pub special_use: Option<SpecialUse>,
    /// False for `\Noselect` / `\NonExistent` (RFC 3501 §7.2.2, RFC 5258 §3): only a parent.
    pub selectable: bool,
    /// Nesting level, for indentation: 0 at the top.
    pub depth: usize,
}

impl FolderInfo {
    pub(crate) fn new(name: &str, delimiter: Option<&str>, attributes: &[NameAttribute]) -> Self {
        // A name that is not valid modified UTF-7 (some servers send raw UTF-8) is still
        // better shown as it is than hidden.
        let display_name = mutf7::decode(name).unwrap_or_else(|| name.to_owned());
        let delimiter = delimiter.filter(|d| !d.is_empty());
        let special_use = if name.eq_ignore_ascii_case("INBOX") {
            Some(SpecialUse::Inbox)
        } else {
            attributes.iter().find_map(SpecialUse::from_attribute)
        };
        let selectable = !attributes.iter().any(|a| match a {
            NameAttribute::NoSelect => true,
            NameAttribute::Extension(e) => e.eq_ignore_ascii_case("\\NonExistent"),
            _ => false,
        });
        let depth = delimiter.map_or(0, |d| display_name.matches(d).count());
        FolderInfo {
            name: name.to_owned(),
            display_name,
            delimiter: delimiter.map(str::to_owned),
            special_use,
            selectable,
            depth,
        }
    }

    fn path(&self) -> Vec<&str> {
        match &self.delimiter {
            Some(d) => self.display_name.split(d.as_str()).collect(),
            None => vec![self.display_name.as_str()],
        }
    }

    fn under_inbox(&self) -> bool {
        self.path()
            .first()
            .is_some_and(|top| top.eq_ignore_ascii_case("INBOX"))
    }
}

/// INBOX (and anything under it) first, then by path component, case-insensitively, so
/// that `Projects/2026` comes right after `Projects` and before `Projects 2`.
pub(crate) fn sort(folders: &mut [FolderInfo]) {
    folders.sort_by(|a, b| {
        b.under_inbox()
            .cmp(&a.under_inbox())
            .then_with(|| compare_paths(&a.path(), &b.path()))
    });
}

fn compare_paths(a: &[&str], b: &[&str]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let ord = x
            .to_lowercase()
            .cmp(&y.to_lowercase())
            .then_with(|| x.cmp(y));
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn folder(name: &str, attributes: &[NameAttribute]) -> FolderInfo {
        FolderInfo::new(name, Some("/"), attributes)
    }

    #[test]
    fn folder_count_and_name_length_are_capped() {
        let mut kept = Vec::new();
        for i in 0..MAX_FOLDERS + 50 {
            let name = format!("F{i}");
            if keep(&kept, &name) {
                kept.push(folder(&name, &[]));
            }
        }
        assert_eq!(kept.len(), MAX_FOLDERS);
        assert!(keep(&kept, "INBOX"), "INBOX is kept even at the cap");
        let empty: Vec<FolderInfo> = Vec::new();
        assert!(keep(&empty, &"n".repeat(MAX_FOLDER_NAME_BYTES)));
        assert!(!keep(&empty, &"n".repeat(MAX_FOLDER_NAME_BYTES + 1)));
        assert!(!keep(&empty, "bad\r\nname"));
        assert!(!keep(&empty, ""));
    }

    #[test]
    fn special_use_text_round_trips() {
        for u in SpecialUse::ALL {
            assert_eq!(u.as_str().parse::<SpecialUse>(), Ok(u));
            let json = serde_json::to_string(&u).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", u.as_str()));
        }
        assert!("outbox".parse::<SpecialUse>().is_err());
    }

    #[test]
    fn decodes_names_and_attributes() {
        let inbox = folder("inbox", &[]);
        assert_eq!(inbox.special_use, Some(SpecialUse::Inbox));
        let sent = folder("Sent", &[NameAttribute::Sent]);
        assert_eq!(sent.special_use, Some(SpecialUse::Sent));
        let nested = folder("Projects/2026", &[]);
        assert_eq!((nested.depth, nested.selectable), (1, true));
        let clients = folder("&BBoEOwRWBFQEPQRCBDg-", &[]);
        assert_eq!(clients.display_name, "Клієнти");
        assert_eq!(clients.name, "&BBoEOwRWBFQEPQRCBDg-");
        let parent = folder("Lists", &[NameAttribute::NoSelect]);
        assert!(!parent.selectable);
        let gone = folder(
            "Old",
            &[NameAttribute::Extension(Cow::Borrowed("\\NonExistent"))],
        );
        assert!(!gone.selectable);
        let flat = FolderInfo::new("a.b", None, &[]);
        assert_eq!((flat.depth, flat.delimiter), (0, None));
        assert_eq!(folder("Entwürfe", &[]).display_name, "Entwürfe");
    }

    #[test]
    fn sorts_inbox_first_and_children_under_parents() {
        let mut list: Vec<FolderInfo> = [
            "Projects 2",
            "Trash",
            "Projects/2026",
            "archive",
            "INBOX/Receipts",
            "Projects",
            "INBOX",
        ]
        .iter()
        .map(|n| folder(n, &[]))
        .collect();
        sort(&mut list);
        let names: Vec<&str> = list.iter().map(|f| f.display_name.as_str()).collect();
        assert_eq!(
            names,
            [
                "INBOX",
                "INBOX/Receipts",
                "archive",
                "Projects",
                "Projects/2026",
                "Projects 2",
                "Trash"
            ]
        );
    }
}
