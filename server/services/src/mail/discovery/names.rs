//! The address the user typed and the host names that come back from DNS or XML are both
//! untrusted: everything is checked to be a plain host name before it goes into a URL, a
//! DNS query or the wizard.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but RFC 3986 §2.3 unreserved characters is escaped in a query value.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// RFC 5321 §4.5.3.1: a local part has at most 64 octets, a path at most 256.
const MAX_LOCAL_PART: usize = 64;
const MAX_ADDRESS: usize = 254;
/// RFC 1035 §2.3.4: 63 octets a label, 253 for the name in text form.
const MAX_LABEL: usize = 63;
const MAX_NAME: usize = 253;

/// A mail address split for discovery, its domain in ASCII (A-label) form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct EmailAddress {
    pub local: String,
    pub domain: String,
}

impl EmailAddress {
    /// None for anything that is not `local@host.name`: address literals (`[1.2.3.4]`),
    /// single-label hosts and control characters are refused, since discovery would only
    /// end up asking the server's own network about them.
    pub fn parse(input: &str) -> Option<Self> {
        let input = input.trim();
        if input.len() > MAX_ADDRESS {
            return None;
        }
        let (local, domain) = input.rsplit_once('@')?;
        if local.is_empty()
            || local.len() > MAX_LOCAL_PART
            || local.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return None;
        }
        // UTS #46 / RFC 5891 mapping, so `пошта.укр` becomes `xn--...` for DNS.
        let ascii = idna::domain_to_ascii(domain).ok()?;
        let domain = host_name(&ascii)?;
        Some(EmailAddress {
            local: local.to_string(),
            domain,
        })
    }

    /// The address with the ASCII domain (what autoconfig servers look up).
    pub fn full(&self) -> String {
        format!("{}@{}", self.local, self.domain)
    }

    /// Replaces `{domain}` and `{email}` in an autoconfig URL template; the domain is
    /// already letters, digits, dots and hyphens, the address is percent-encoded.
    pub fn expand(&self, template: &str) -> String {
        let email = utf8_percent_encode(&self.full(), QUERY_VALUE).to_string();
        template
            .replace("{domain}", &self.domain)
            .replace("{email}", &email)
    }
}

/// A host name in canonical form (lowercase, no trailing dot), or None when it is not a
/// letters-digits-hyphens name of at least two labels (RFC 1123 §2.1) whose last label is
/// not all digits (RFC 3696 §2, which also rules out IPv4 literals).
pub(super) fn host_name(raw: &str) -> Option<String> {
    let name = raw.trim().strip_suffix('.').unwrap_or(raw.trim());
    if name.is_empty() || name.len() > MAX_NAME {
        return None;
    }
    let name = name.to_ascii_lowercase();
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return None;
    }
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= MAX_LABEL
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if !labels.iter().all(label_ok) {
        return None;
    }
    let tld = labels.last()?;
    if tld.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises_addresses() {
        let a = EmailAddress::parse(" Ann@Example.COM. ").unwrap();
        assert_eq!(a.local, "Ann");
        assert_eq!(a.domain, "example.com");
        let idn = EmailAddress::parse("ivan@пошта.укр").unwrap();
        assert!(idn.domain.starts_with("xn--"), "{}", idn.domain);
        assert!(idn.domain.ends_with(".xn--j1amh"), "{}", idn.domain);
    }

    #[test]
    fn refuses_unusable_addresses() {
        for bad in [
            "",
            "@",
            "a@",
            "@example.com",
            "a@localhost",
            "a@127.0.0.1",
            "a@[127.0.0.1]",
            "a@exa mple.com",
            "a b@example.com",
            "a@-x.example.com",
            "a@x..com",
            "a@example.com/evil",
            "a@example.com?x=1",
            "a\n@example.com",
        ] {
            assert_eq!(EmailAddress::parse(bad), None, "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(65));
        assert_eq!(EmailAddress::parse(&long), None);
        let huge = format!("a@{}.com", "b".repeat(100_000));
        assert_eq!(EmailAddress::parse(&huge), None);
    }

    #[test]
    fn expands_templates_with_an_encoded_address() {
        let a = EmailAddress::parse("a+b&c=d@example.com").unwrap();
        let url = a.expand("https://autoconfig.{domain}/x?emailaddress={email}");
        assert_eq!(
            url,
            "https://autoconfig.example.com/x?emailaddress=a%2Bb%26c%3Dd%40example.com"
        );
    }

    #[test]
    fn checks_host_names() {
        assert_eq!(
            host_name("IMAP.Example.org."),
            Some("imap.example.org".into())
        );
        assert_eq!(host_name("."), None);
        assert_eq!(host_name("10.0.0.1"), None);
        assert_eq!(host_name("mail"), None);
        assert_eq!(host_name("evil host.com"), None);
        assert_eq!(host_name(&format!("{}.com", "x".repeat(64))), None);
    }
}
