//! Addresses as the CRM compares them (trimmed, lower-case), their domains, the
//! workspace's own people and domains, and free-mail domains. Free-mail domains come
//! from the npm package `free-email-domains` (HubSpot's list), vendored in
//! `data/free_email_domains.txt` and refreshed by `scripts/update-free-mail-domains`.

use crate::{
    entities::{mailbox, user},
    error::ServiceResult,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::{collections::HashSet, sync::LazyLock};

static FREE_MAIL: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/free_email_domains.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// The version line of the vendored list (`free-email-domains 1.12.6 (npm; …)`).
pub fn free_mail_list_version() -> &'static str {
    include_str!("../../data/free_email_domains.txt")
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches('#')
        .trim()
}

/// An address as the CRM keeps it: trimmed, without angle brackets, lower-case; None
/// when it is no `local@domain` address.
pub fn normalize(address: &str) -> Option<String> {
    let a = address
        .trim()
        .trim_matches(['<', '>'])
        .trim()
        .to_lowercase();
    let (local, domain) = a.rsplit_once('@')?;
    let domain = domain.trim_end_matches('.');
    let fine = !local.is_empty()
        && !domain.is_empty()
        && domain.contains('.')
        && !a.chars().any(|c| c.is_whitespace() || c.is_control());
    fine.then(|| format!("{local}@{domain}"))
}

/// The domain of a normalised address.
pub fn domain_of(address: &str) -> &str {
    address.rsplit_once('@').map_or("", |(_, d)| d)
}

/// A domain as the CRM keeps it: lower-case, no leading `@` or trailing dot.
pub fn normalize_domain(domain: &str) -> String {
    domain
        .trim()
        .trim_start_matches('@')
        .trim_end_matches('.')
        .to_lowercase()
}

/// Whether mail from this domain is free mail (gmail.com, ukr.net, …), including its
/// subdomains: such domains never become companies nor link to one.
pub fn is_free_mail(domain: &str) -> bool {
    let domain = normalize_domain(domain);
    let mut rest = domain.as_str();
    loop {
        if FREE_MAIL.contains(rest) {
            return true;
        }
        match rest.split_once('.') {
            Some((_, parent)) if parent.contains('.') => rest = parent,
            _ => return false,
        }
    }
}

/// A company name made from its domain: `sales.acme.co.uk` → `Acme`.
pub fn company_name(domain: &str) -> String {
    let domain = normalize_domain(domain);
    let mut labels: Vec<&str> = domain.split('.').filter(|l| !l.is_empty()).collect();
    if labels.len() > 1 {
        labels.pop(); // the top-level domain
    }
    const SECOND_LEVEL: [&str; 8] = ["co", "com", "org", "net", "gov", "ac", "edu", "in"];
    if labels.len() > 1 && labels.last().is_some_and(|l| SECOND_LEVEL.contains(l)) {
        labels.pop();
    }
    let name = labels.last().copied().unwrap_or(domain.as_str());
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => domain.clone(),
    }
}

/// The workspace's own people (members' addresses and every mailbox connected in the
/// workspace) and own domains (theirs, free mail aside): never CRM records.
#[derive(Clone, Debug, Default)]
pub struct Own {
    people: HashSet<String>,
    domains: HashSet<String>,
}

impl Own {
    pub async fn of(db: &impl ConnectionTrait, workspace_id: i64) -> ServiceResult<Own> {
        let members: Vec<String> = user::Entity::find()
            .select_only()
            .column(user::Column::Email)
            .filter(user::Column::WorkspaceId.eq(workspace_id))
            .into_tuple()
            .all(db)
            .await?;
        let mailboxes: Vec<String> = mailbox::Entity::find()
            .select_only()
            .column(mailbox::Column::Email)
            .filter(mailbox::Column::WorkspaceId.eq(workspace_id))
            .into_tuple()
            .all(db)
            .await?;
        Ok(Own::from_addresses(members.iter().chain(&mailboxes)))
    }

    pub fn from_addresses<'a>(addresses: impl IntoIterator<Item = &'a String>) -> Own {
        let people: HashSet<String> = addresses.into_iter().filter_map(|a| normalize(a)).collect();
        let domains = people
            .iter()
            .map(|a| domain_of(a).to_owned())
            .filter(|d| !is_free_mail(d))
            .collect();
        Own { people, domains }
    }

    /// A member or a connected mailbox (normalised address).
    pub fn is_person(&self, address: &str) -> bool {
        self.people.contains(address)
    }

    /// A domain of the workspace's own people (never free mail).
    pub fn is_domain(&self, domain: &str) -> bool {
        self.domains.contains(domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_normalise() {
        assert_eq!(
            normalize(" <Taras@Globex.Example> ").as_deref(),
            Some("taras@globex.example")
        );
        assert_eq!(normalize("a@b.example.").as_deref(), Some("a@b.example"));
        for bad in [
            "",
            "postmaster",
            "@globex.example",
            "a@",
            "a@localhost",
            "a b@c.example",
        ] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
        assert_eq!(domain_of("taras@globex.example"), "globex.example");
        assert_eq!(normalize_domain("@Globex.Example."), "globex.example");
    }

    #[test]
    fn free_mail_comes_from_the_vendored_list() {
        assert!(FREE_MAIL.len() > 1000, "the whole list, not a handful");
        for d in [
            "gmail.com",
            "GMAIL.com",
            "ukr.net",
            "yahoo.co.uk",
            "outlook.com",
            "i.ua",
        ] {
            assert!(is_free_mail(d), "{d}");
        }
        assert!(is_free_mail("mail.gmail.com"), "a subdomain of free mail");
        for d in ["globex.example", "acme.com", "example.com", "com"] {
            assert!(!is_free_mail(d), "{d}");
        }
        assert!(free_mail_list_version().starts_with("free-email-domains "));
    }

    #[test]
    fn company_names_from_domains() {
        assert_eq!(company_name("globex.example"), "Globex");
        assert_eq!(company_name("sales.acme.co.uk"), "Acme");
        assert_eq!(company_name("rozetka.com.ua"), "Rozetka");
        assert_eq!(company_name("initech.io"), "Initech");
    }

    #[test]
    fn own_people_and_domains() {
        let addresses = [
            "Olena@Acme.com".to_owned(),
            "sales@example.test".to_owned(),
            "boss@gmail.com".to_owned(),
        ];
        let own = Own::from_addresses(&addresses);
        assert!(own.is_person("olena@acme.com"));
        assert!(own.is_person("boss@gmail.com"));
        assert!(!own.is_person("taras@acme.com"));
        assert!(own.is_domain("acme.com") && own.is_domain("example.test"));
        assert!(
            !own.is_domain("gmail.com"),
            "free mail is nobody's own domain"
        );
    }
}
