//! Bounds on a record's fields, checked before anything is stored: names and titles of
//! 1–200 characters, at most 20 addresses, phones or domains, addresses valid and
//! lower-case, domains lower-case without `@`, a stage of the kind, an amount ≥ 0.

use crate::{
    error::{ServiceError, ServiceResult},
    validate::{self, reason},
};
use domain::{CompanyFields, ContactFields, CrmKind, DealFields};

/// Names of contacts and companies, titles of leads and deals, in characters.
pub const MAX_TITLE: usize = 200;
/// Addresses of a contact, phones of a contact, domains of a company: each at most.
pub const MAX_ITEMS: usize = 20;
/// One phone number, in characters.
pub const MAX_PHONE: usize = 40;
/// A search text, in characters.
pub const MAX_SEARCH: usize = 200;
/// A list as typed into one field (20 items and their separators), in bytes.
const MAX_LIST_BYTES: usize = MAX_ITEMS * (validate::MAX_EMAIL + 2);

fn invalid(field: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::invalid(field, reason)
}

/// A name or title: trimmed, 1 to 200 characters, no control characters.
pub fn title(field: &'static str, value: &str) -> ServiceResult<String> {
    if value.len() > MAX_TITLE * 4 + 64 {
        return Err(invalid(field, reason::TOO_LONG));
    }
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(invalid(field, reason::EMPTY));
    }
    if trimmed.chars().count() > MAX_TITLE {
        return Err(invalid(field, reason::TOO_LONG));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(invalid(field, reason::FORMAT));
    }
    Ok(trimmed.to_owned())
}

/// A search text: trimmed, at most 200 characters.
pub fn search(value: &str) -> ServiceResult<String> {
    let trimmed = value.trim();
    if trimmed.len() > MAX_SEARCH * 4 || trimmed.chars().count() > MAX_SEARCH {
        return Err(invalid("search", reason::TOO_LONG));
    }
    Ok(trimmed.to_owned())
}

/// A list typed into one form field, split at new lines, commas and semicolons (and, for
/// addresses and domains, spaces); empty items dropped. At most 20 items' worth of text.
pub fn split_list(field: &'static str, text: &str, at_spaces: bool) -> ServiceResult<Vec<String>> {
    if text.len() > MAX_LIST_BYTES {
        return Err(invalid(field, reason::TOO_LONG));
    }
    Ok(text
        .split(|c: char| matches!(c, '\n' | '\r' | ',' | ';') || at_spaces && c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Distinct items in their first order; more than 20 is refused.
fn bounded(field: &'static str, items: Vec<String>) -> ServiceResult<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(items.len().min(MAX_ITEMS));
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
        if out.len() > MAX_ITEMS {
            return Err(invalid(field, reason::TOO_MANY));
        }
    }
    Ok(out)
}

pub fn emails(values: &[String]) -> ServiceResult<Vec<String>> {
    if values.len() > MAX_ITEMS * 4 {
        return Err(invalid("emails", reason::TOO_MANY));
    }
    let clean = values
        .iter()
        .filter(|v| !v.trim().is_empty())
        .map(|v| validate::email(v))
        .collect::<ServiceResult<Vec<_>>>()?;
    bounded("emails", clean)
}

/// A phone as people write it: digits with `+ - ( ) . /` and spaces, an extension
/// (`ext`, `x`); at least one digit, at most 40 characters.
pub fn phones(values: &[String]) -> ServiceResult<Vec<String>> {
    if values.len() > MAX_ITEMS * 4 {
        return Err(invalid("phones", reason::TOO_MANY));
    }
    let mut clean = Vec::new();
    for value in values {
        let phone = value.split_whitespace().collect::<Vec<_>>().join(" ");
        if phone.is_empty() {
            continue;
        }
        if phone.chars().count() > MAX_PHONE {
            return Err(invalid("phone", reason::TOO_LONG));
        }
        let allowed = phone.chars().all(|c| {
            c.is_ascii_digit()
                || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.' | '/' | '#' | '*')
                || matches!(c.to_ascii_lowercase(), 'e' | 'x' | 't')
        });
        if !allowed || !phone.chars().any(|c| c.is_ascii_digit()) {
            return Err(invalid("phone", reason::FORMAT));
        }
        clean.push(phone);
    }
    bounded("phones", clean)
}

/// A domain: lower-case, without a leading `@`, dotted labels of letters, digits and `-`.
pub fn domain(value: &str) -> ServiceResult<String> {
    let trimmed = value.trim();
    if trimmed.len() > validate::MAX_HOST + 1 {
        return Err(invalid("domain", reason::TOO_LONG));
    }
    let domain = trimmed.trim_start_matches('@').to_lowercase();
    if domain.is_empty() {
        return Err(invalid("domain", reason::EMPTY));
    }
    let labels_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    });
    if domain.len() > validate::MAX_HOST || !domain.contains('.') || !labels_ok {
        return Err(invalid("domain", reason::FORMAT));
    }
    Ok(domain)
}

pub fn domains(values: &[String]) -> ServiceResult<Vec<String>> {
    if values.len() > MAX_ITEMS * 4 {
        return Err(invalid("domains", reason::TOO_MANY));
    }
    let clean = values
        .iter()
        .filter(|v| !v.trim().is_empty())
        .map(|v| domain(v))
        .collect::<ServiceResult<Vec<_>>>()?;
    bounded("domains", clean)
}

/// One of the kind's stages; empty means its first.
pub fn stage(kind: CrmKind, value: &str) -> ServiceResult<String> {
    let stages = kind.stages();
    let value = value.trim();
    if value.is_empty() {
        return stages
            .first()
            .map(|s| (*s).to_owned())
            .ok_or_else(|| invalid("kind", reason::UNKNOWN));
    }
    stages
        .iter()
        .find(|s| **s == value)
        .map(|s| (*s).to_owned())
        .ok_or_else(|| invalid("stage", reason::UNKNOWN))
}

pub fn amount(value: Option<i64>) -> ServiceResult<Option<i64>> {
    match value {
        Some(a) if a < 0 => Err(invalid("amount", reason::FORMAT)),
        Some(a) if a > DealFields::MAX_AMOUNT => Err(invalid("amount", reason::TOO_LONG)),
        other => Ok(other),
    }
}

/// An amount as typed into a form (`1 234,50`) in minor units; empty is none.
pub fn amount_text(value: &str) -> ServiceResult<Option<i64>> {
    DealFields::parse_amount(value).map_err(|reason| invalid("amount", reason))
}

/// A contact's fields, bounded (the ids are checked against the workspace when saved).
pub fn contact(fields: ContactFields) -> ServiceResult<ContactFields> {
    Ok(ContactFields {
        name: title("name", &fields.name)?,
        emails: emails(&fields.emails)?,
        phones: phones(&fields.phones)?,
        ..fields
    })
}

pub fn company(fields: CompanyFields) -> ServiceResult<CompanyFields> {
    Ok(CompanyFields {
        name: title("name", &fields.name)?,
        domains: domains(&fields.domains)?,
        ..fields
    })
}

pub fn deal(kind: CrmKind, fields: DealFields) -> ServiceResult<DealFields> {
    Ok(DealFields {
        title: title("title", &fields.title)?,
        stage: stage(kind, &fields.stage)?,
        amount: amount(fields.amount)?,
        ..fields
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason_of<T: std::fmt::Debug>(r: ServiceResult<T>) -> (&'static str, &'static str) {
        match r {
            Err(ServiceError::Invalid { field, reason }) => (field, reason),
            other => panic!("not Invalid: {other:?}"),
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn titles_are_bounded() {
        assert_eq!(
            title("name", "  Олена Петренко ").unwrap(),
            "Олена Петренко"
        );
        assert!(title("name", &"я".repeat(MAX_TITLE)).is_ok());
        assert_eq!(
            reason_of(title("name", &"я".repeat(MAX_TITLE + 1))),
            ("name", reason::TOO_LONG)
        );
        assert_eq!(reason_of(title("title", " ")), ("title", reason::EMPTY));
        assert_eq!(
            reason_of(title("title", "a\u{7}b")),
            ("title", reason::FORMAT)
        );
        assert_eq!(reason_of(search(&"x".repeat(201))).1, reason::TOO_LONG);
    }

    #[test]
    fn lists_are_split_cleaned_and_bounded() {
        assert_eq!(
            split_list("emails", "a@x.com, b@x.com\n\n c@x.com;", true).unwrap(),
            strings(&["a@x.com", "b@x.com", "c@x.com"])
        );
        assert_eq!(
            split_list("phones", "+380 44 123 4567\n(044) 12-34", false).unwrap(),
            strings(&["+380 44 123 4567", "(044) 12-34"])
        );
        assert_eq!(
            reason_of(split_list("emails", &"a".repeat(10_000), true)).1,
            reason::TOO_LONG
        );
        assert_eq!(
            emails(&strings(&["Olena@Example.COM", "olena@example.com", " "])).unwrap(),
            strings(&["olena@example.com"])
        );
        assert_eq!(
            reason_of(emails(&strings(&["nope"]))),
            ("email", reason::FORMAT)
        );
        let many: Vec<String> = (0..21).map(|i| format!("p{i}@x.com")).collect();
        assert_eq!(reason_of(emails(&many)), ("emails", reason::TOO_MANY));
        assert!(emails(&many[..20]).is_ok());
        assert_eq!(
            phones(&strings(&["+1 555  0100 ext 7"])).unwrap(),
            strings(&["+1 555 0100 ext 7"])
        );
        assert_eq!(
            reason_of(phones(&strings(&["call me"]))),
            ("phone", reason::FORMAT)
        );
        assert_eq!(
            reason_of(phones(&strings(&["---"]))),
            ("phone", reason::FORMAT)
        );
        assert_eq!(
            reason_of(phones(&["1".repeat(41)])),
            ("phone", reason::TOO_LONG)
        );
        let many: Vec<String> = (0..21).map(|i| format!("555 01{i:02}")).collect();
        assert_eq!(reason_of(phones(&many)), ("phones", reason::TOO_MANY));
    }

    #[test]
    fn domains_are_lower_case_without_at() {
        assert_eq!(domain(" @Acme.Example ").unwrap(), "acme.example");
        assert_eq!(domain("приклад.укр").unwrap(), "приклад.укр");
        for bad in [
            "acme",
            "acme..com",
            "-a.com",
            "a b.com",
            "a@b.com",
            "http://a.com",
            ".a.com",
        ] {
            assert_eq!(reason_of(domain(bad)), ("domain", reason::FORMAT), "{bad}");
        }
        assert_eq!(
            reason_of(domain(&format!("{}.com", "a".repeat(300)))).1,
            reason::TOO_LONG
        );
        let many: Vec<String> = (0..21).map(|i| format!("d{i}.com")).collect();
        assert_eq!(reason_of(domains(&many)), ("domains", reason::TOO_MANY));
    }

    #[test]
    fn stages_and_amounts() {
        assert_eq!(stage(CrmKind::Lead, "").unwrap(), "new");
        assert_eq!(stage(CrmKind::Deal, "won").unwrap(), "won");
        assert_eq!(
            reason_of(stage(CrmKind::Deal, "new")),
            ("stage", reason::UNKNOWN)
        );
        assert_eq!(
            reason_of(stage(CrmKind::Contact, "")),
            ("kind", reason::UNKNOWN)
        );
        assert_eq!(amount(Some(0)).unwrap(), Some(0));
        assert_eq!(reason_of(amount(Some(-1))), ("amount", reason::FORMAT));
        assert_eq!(
            reason_of(amount(Some(i64::MAX))),
            ("amount", reason::TOO_LONG)
        );
        assert_eq!(amount_text("12,5").unwrap(), Some(1250));
        assert_eq!(reason_of(amount_text("-3")), ("amount", "format"));
    }
}
