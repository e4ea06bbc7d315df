//! The minimal CRM mail links to (SPEC § Email ↔ CRM links): contacts, companies, leads and
//! deals of a workspace, and the correspondence linked to them.

use crate::Timestamp;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// What kind of CRM record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CrmKind {
    Contact,
    Company,
    Lead,
    Deal,
}

impl CrmKind {
    pub const ALL: [CrmKind; 4] = [
        CrmKind::Contact,
        CrmKind::Company,
        CrmKind::Lead,
        CrmKind::Deal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CrmKind::Contact => "contact",
            CrmKind::Company => "company",
            CrmKind::Lead => "lead",
            CrmKind::Deal => "deal",
        }
    }

    /// The path segment of its pages (`/crm/contacts/7`).
    pub fn plural(self) -> &'static str {
        match self {
            CrmKind::Contact => "contacts",
            CrmKind::Company => "companies",
            CrmKind::Lead => "leads",
            CrmKind::Deal => "deals",
        }
    }

    /// Stages a lead or a deal moves through; empty for contacts and companies.
    pub fn stages(self) -> &'static [&'static str] {
        match self {
            CrmKind::Lead => &["new", "contacted", "qualified", "converted", "lost"],
            CrmKind::Deal => &["prospecting", "proposal", "negotiation", "won", "lost"],
            _ => &[],
        }
    }
}

impl FromStr for CrmKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CrmKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.plural() == s)
            .ok_or_else(|| format!("unknown CRM kind {s:?}"))
    }
}

/// A record as lists, pickers and links name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordRef {
    pub kind: CrmKind,
    pub id: i64,
    /// Name (contact, company) or title (lead, deal).
    pub title: String,
    /// A second line: the contact's first email, the company's first domain, the stage.
    pub detail: String,
}

/// A workspace member as an owner choice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerRef {
    pub id: i64,
    pub name: String,
}

/// A contact's card and form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactFields {
    pub name: String,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub company_id: Option<i64>,
    pub owner_id: Option<i64>,
}

/// A company's card and form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyFields {
    pub name: String,
    pub domains: Vec<String>,
    pub owner_id: Option<i64>,
}

/// A lead's or a deal's card and form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealFields {
    pub title: String,
    pub stage: String,
    pub owner_id: Option<i64>,
    /// In minor units (kopiyky, cents); none when unknown.
    pub amount: Option<i64>,
    pub contact_id: Option<i64>,
    pub company_id: Option<i64>,
}

impl DealFields {
    /// The largest amount a lead or deal may have, in minor units (10 trillion in major).
    pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

    /// An amount in minor units as typed back into a form and shown on a card:
    /// `1234.50`, `7.05`, `0.00`.
    pub fn amount_text(minor: i64) -> String {
        let sign = if minor < 0 { "-" } else { "" };
        let abs = minor.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// An amount as typed (`1234`, `1 234,5`, `1234.50`) in minor units; empty is none.
    /// Refused: a sign, letters, more than two decimals, more than `MAX_AMOUNT`.
    pub fn parse_amount(text: &str) -> Result<Option<i64>, &'static str> {
        if text.len() > 64 {
            return Err("too_long");
        }
        let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() {
            return Ok(None);
        }
        let (whole, fraction) = match digits.split_once(['.', ',']) {
            Some((w, f)) => (w, f),
            None => (digits.as_str(), ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty()
            || !all_digits(whole)
            || !all_digits(fraction)
            || fraction.len() > 2
        {
            return Err("format");
        }
        if whole.len() > 16 {
            return Err("too_long");
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| "format")?
        };
        let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| "format")?;
        let minor = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(cents))
            .filter(|m| *m <= Self::MAX_AMOUNT)
            .ok_or("too_long")?;
        Ok(Some(minor))
    }
}

/// One record's card: its fields, the records it points to, who owns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCard {
    pub record: RecordRef,
    pub owner: Option<OwnerRef>,
    pub contact: Option<ContactFields>,
    pub company: Option<CompanyFields>,
    pub deal: Option<DealFields>,
    /// Records it names (a contact's company, a deal's contact and company).
    pub related: Vec<RecordRef>,
    /// Created by automatic linking (and from which address), or by a person.
    pub created_from_mail: bool,
    pub created_at: Timestamp,
}

/// A list of one kind: search text, owner filter, a page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordQuery {
    pub search: String,
    pub owner_id: Option<i64>,
    /// Records with a smaller id than this (keyset pages, newest first).
    pub before: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordPage {
    pub records: Vec<RecordRef>,
    pub next: Option<i64>,
}

/// Which way a message went, seen from the workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    Incoming,
    Outgoing,
}

/// One linked message on a card. `subject`, `from` and `snippet` are there only for a
/// user who may read the message's mailbox; everyone else sees that it exists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub message_id: i64,
    pub at: Timestamp,
    pub direction: Direction,
    pub mailbox_name: String,
    pub readable: bool,
    pub subject: Option<String>,
    pub from: Option<String>,
    pub snippet: Option<String>,
    /// Linked by hand (can be unlinked) or by the automatic rules.
    pub manual: bool,
}

/// A record automatic creation would make (the preview) or made.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PlannedRecord {
    pub kind: CrmKind,
    pub email: String,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_trip() {
        assert_eq!(DealFields::parse_amount(""), Ok(None));
        assert_eq!(DealFields::parse_amount("  "), Ok(None));
        assert_eq!(DealFields::parse_amount("1234"), Ok(Some(123_400)));
        assert_eq!(DealFields::parse_amount("1 234,5"), Ok(Some(123_450)));
        assert_eq!(DealFields::parse_amount("0.07"), Ok(Some(7)));
        assert_eq!(DealFields::parse_amount(".5"), Ok(Some(50)));
        for bad in ["-5", "1.234", "12a", "1.2.3", ".", "+1"] {
            assert_eq!(DealFields::parse_amount(bad), Err("format"), "{bad}");
        }
        assert_eq!(
            DealFields::parse_amount("99999999999999999"),
            Err("too_long")
        );
        assert_eq!(DealFields::amount_text(123_450), "1234.50");
        assert_eq!(DealFields::amount_text(7), "0.07");
        assert_eq!(
            DealFields::parse_amount(&DealFields::amount_text(DealFields::MAX_AMOUNT)),
            Ok(Some(DealFields::MAX_AMOUNT))
        );
    }
}
