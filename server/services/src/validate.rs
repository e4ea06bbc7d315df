//! Bounds on every field a request brings, checked before the value is used, kept, hashed
//! or sent to a mail server. A refusal is `ServiceError::Invalid { field, reason }`, which
//! a server function answers with 400 and the field and reason in the body.

use crate::error::{ServiceError, ServiceResult};
use domain::ServerAddress;

/// Why a field was refused (the `reason` of `ServiceError::Invalid`).
pub mod reason {
    pub const EMPTY: &str = "empty";
    pub const TOO_LONG: &str = "too_long";
    pub const TOO_SHORT: &str = "too_short";
    pub const TOO_MANY: &str = "too_many";
    pub const FORMAT: &str = "format";
    pub const UNKNOWN: &str = "unknown";
}

/// RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its angle brackets.
pub const MAX_EMAIL: usize = 254;
/// Passwords of accounts and mailboxes, in bytes (app passwords are 16 letters).
pub const MAX_PASSWORD: usize = 1024;
pub const MIN_PASSWORD_LEN: usize = 8;
/// Names of workspaces, people, mailboxes and senders, in characters.
pub const MAX_NAME: usize = 120;
/// RFC 1035 §2.3.4: a domain name is at most 253 characters in text.
pub const MAX_HOST: usize = 253;
/// An IMAP or SMTP login other than the address.
pub const MAX_USERNAME: usize = 254;
/// Folders chosen for a mailbox, and the length of one folder name in bytes: the same
/// bounds as the folder list a server may give (`mail::login`).
pub const MAX_FOLDERS: usize = crate::mail::login::MAX_FOLDERS;
pub const MAX_FOLDER_NAME: usize = crate::mail::login::MAX_FOLDER_NAME_BYTES;
/// Members one mailbox is shared with.
pub const MAX_GRANTEES: usize = 1000;
/// A connection draft id (a simple UUID: 32 hex digits).
pub const MAX_DRAFT_ID: usize = 64;

fn invalid(field: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::invalid(field, reason)
}

/// A workspace, person, mailbox or sender name: trimmed, 1 to 120 characters.
pub fn name(field: &'static str, value: &str) -> ServiceResult<String> {
    // Checked in bytes first, so a huge value is refused without walking its characters.
    if value.len() > MAX_NAME * 4 + 64 {
        return Err(invalid(field, reason::TOO_LONG));
    }
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(invalid(field, reason::EMPTY));
    }
    if trimmed.chars().count() > MAX_NAME {
        return Err(invalid(field, reason::TOO_LONG));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(invalid(field, reason::FORMAT));
    }
    Ok(trimmed.to_owned())
}

/// A pragmatic check (one `@`, a dotted domain, no spaces), lower-cased; the real test of
/// an address is a mail server accepting it.
pub fn email(value: &str) -> ServiceResult<String> {
    let trimmed = value.trim();
    if trimmed.len() > MAX_EMAIL {
        return Err(invalid("email", reason::TOO_LONG));
    }
    if trimmed.is_empty() {
        return Err(invalid("email", reason::EMPTY));
    }
    let email = trimmed.to_lowercase();
    let ok = email.len() <= MAX_EMAIL
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if ok {
        Ok(email)
    } else {
        Err(invalid("email", reason::FORMAT))
    }
}

/// The password of a new account: 8 characters at least, 1 KB at most.
pub fn new_password(value: &str) -> ServiceResult<&str> {
    let value = password("password", value)?;
    if value.chars().count() < MIN_PASSWORD_LEN {
        return Err(invalid("password", reason::TOO_SHORT));
    }
    Ok(value)
}

/// A password typed to log in, or a mailbox's (app) password: not empty, 1 KB at most.
pub fn password<'a>(field: &'static str, value: &'a str) -> ServiceResult<&'a str> {
    if value.len() > MAX_PASSWORD {
        return Err(invalid(field, reason::TOO_LONG));
    }
    if value.is_empty() {
        return Err(invalid(field, reason::EMPTY));
    }
    Ok(value)
}

/// An optional password (an SMTP password other than the IMAP one): empty means none.
pub fn optional_password(
    field: &'static str,
    value: Option<String>,
) -> ServiceResult<Option<String>> {
    match value.filter(|v| !v.is_empty()) {
        Some(v) => {
            password(field, &v)?;
            Ok(Some(v))
        }
        None => Ok(None),
    }
}

/// A login name other than the address (SMTP): trimmed, empty means none, 254 bytes at most.
pub fn optional_username(
    field: &'static str,
    value: Option<String>,
) -> ServiceResult<Option<String>> {
    let Some(value) = value else { return Ok(None) };
    if value.len() > MAX_USERNAME + 64 {
        return Err(invalid(field, reason::TOO_LONG));
    }
    let trimmed = value.trim();
    if trimmed.len() > MAX_USERNAME {
        return Err(invalid(field, reason::TOO_LONG));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(invalid(field, reason::FORMAT));
    }
    Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
}

/// A server the user typed: a host name or address of at most 253 characters without
/// spaces, slashes or control characters, and a port other than 0.
pub fn server(
    host_field: &'static str,
    port_field: &'static str,
    server: ServerAddress,
) -> ServiceResult<ServerAddress> {
    let host = server.host.trim();
    if host.len() > MAX_HOST {
        return Err(invalid(host_field, reason::TOO_LONG));
    }
    if host.is_empty() {
        return Err(invalid(host_field, reason::EMPTY));
    }
    if host
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '\\' | '@' | '?' | '#'))
    {
        return Err(invalid(host_field, reason::FORMAT));
    }
    if server.port == 0 {
        return Err(invalid(port_field, reason::FORMAT));
    }
    Ok(ServerAddress {
        host: host.to_owned(),
        ..server
    })
}

/// A port as typed in a form: 1 to 65535.
pub fn port(field: &'static str, value: &str) -> ServiceResult<u16> {
    let value = value.trim();
    if value.len() > 5 {
        return Err(invalid(field, reason::FORMAT));
    }
    match value.parse::<u16>() {
        Ok(port) if port != 0 => Ok(port),
        _ => Err(invalid(field, reason::FORMAT)),
    }
}

/// A connection draft id: letters and digits, 64 at most. Anything else cannot be one,
/// so it is answered like an expired draft.
pub fn draft_id(value: &str) -> ServiceResult<&str> {
    if value.is_empty()
        || value.len() > MAX_DRAFT_ID
        || !value.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(ServiceError::DraftExpired);
    }
    Ok(value)
}

/// Folders chosen for a mailbox: at most 1000, each name at most 1000 bytes.
pub fn folders(value: &[String]) -> ServiceResult<()> {
    if value.len() > MAX_FOLDERS {
        return Err(invalid("folders", reason::TOO_MANY));
    }
    if value.iter().any(|f| f.len() > MAX_FOLDER_NAME) {
        return Err(invalid("folders", reason::TOO_LONG));
    }
    Ok(())
}

/// Members a mailbox is shared with: at most 1000 ids.
pub fn grantees(value: &[i64]) -> ServiceResult<()> {
    if value.len() > MAX_GRANTEES {
        return Err(invalid("grantees", reason::TOO_MANY));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Security;

    fn reason_of(err: ServiceError) -> (&'static str, &'static str) {
        match err {
            ServiceError::Invalid { field, reason } => (field, reason),
            other => panic!("not Invalid: {other:?}"),
        }
    }

    #[test]
    fn emails() {
        assert_eq!(email(" Olena@Example.COM ").unwrap(), "olena@example.com");
        for bad in [
            "a",
            "a@b",
            "@x.com",
            "a b@x.com",
            "a@@x.com",
            "a@x.",
            "a@.x",
            "a\u{0}@x.com",
        ] {
            assert_eq!(
                reason_of(email(bad).unwrap_err()),
                ("email", reason::FORMAT),
                "{bad}"
            );
        }
        assert_eq!(reason_of(email("  ").unwrap_err()).1, reason::EMPTY);
        let local = "a".repeat(MAX_EMAIL - "@x.com".len());
        assert!(email(&format!("{local}@x.com")).is_ok());
        let long = format!("a{local}@x.com");
        assert_eq!(
            reason_of(email(&long).unwrap_err()),
            ("email", reason::TOO_LONG)
        );
        let huge = "a".repeat(2_000_000);
        assert_eq!(reason_of(email(&huge).unwrap_err()).1, reason::TOO_LONG);
    }

    #[test]
    fn names_and_passwords() {
        assert_eq!(name("name", "  Олена ").unwrap(), "Олена");
        assert_eq!(reason_of(name("name", "   ").unwrap_err()).1, reason::EMPTY);
        assert!(name("name", &"я".repeat(MAX_NAME)).is_ok());
        assert_eq!(
            reason_of(name("name", &"я".repeat(MAX_NAME + 1)).unwrap_err()),
            ("name", reason::TOO_LONG)
        );
        assert_eq!(
            reason_of(name("name", &"x".repeat(1 << 20)).unwrap_err()).1,
            reason::TOO_LONG
        );
        assert_eq!(
            reason_of(name("name", "a\nb").unwrap_err()).1,
            reason::FORMAT
        );
        assert_eq!(
            reason_of(new_password("short").unwrap_err()).1,
            reason::TOO_SHORT
        );
        assert!(new_password("long enough").is_ok());
        assert!(new_password(&"p".repeat(MAX_PASSWORD)).is_ok());
        assert_eq!(
            reason_of(new_password(&"p".repeat(MAX_PASSWORD + 1)).unwrap_err()),
            ("password", reason::TOO_LONG)
        );
        assert_eq!(
            reason_of(password("password", "").unwrap_err()).1,
            reason::EMPTY
        );
        assert_eq!(
            optional_password("smtp_password", Some(String::new())).unwrap(),
            None
        );
        assert_eq!(
            reason_of(optional_password("smtp_password", Some("p".repeat(2000))).unwrap_err()).1,
            reason::TOO_LONG
        );
        assert_eq!(
            optional_username("smtp_username", Some("  ".into())).unwrap(),
            None
        );
        assert_eq!(
            reason_of(optional_username("smtp_username", Some("u".repeat(300))).unwrap_err()).1,
            reason::TOO_LONG
        );
    }

    #[test]
    fn servers_and_ports() {
        let at = |host: &str, port| ServerAddress {
            host: host.into(),
            port,
            security: Security::Tls,
        };
        assert_eq!(
            server("imap_host", "imap_port", at(" imap.example.com ", 993))
                .unwrap()
                .host,
            "imap.example.com"
        );
        assert!(server("imap_host", "imap_port", at("::1", 993)).is_ok());
        assert!(server("imap_host", "imap_port", at(&"h".repeat(MAX_HOST), 993)).is_ok());
        for (host, port, expected) in [
            (
                "h".repeat(MAX_HOST + 1),
                993,
                ("imap_host", reason::TOO_LONG),
            ),
            ("".into(), 993, ("imap_host", reason::EMPTY)),
            (
                "imap example.com".into(),
                993,
                ("imap_host", reason::FORMAT),
            ),
            ("evil.com/x".into(), 993, ("imap_host", reason::FORMAT)),
            ("imap.example.com".into(), 0, ("imap_port", reason::FORMAT)),
        ] {
            let err = server("imap_host", "imap_port", at(&host, port)).unwrap_err();
            assert_eq!(reason_of(err), expected, "{host}:{port}");
        }
        assert_eq!(port("imap_port", " 993 ").unwrap(), 993);
        for bad in ["0", "65536", "-1", "x", "9999999999999"] {
            assert!(port("imap_port", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lists_and_draft_ids() {
        assert!(folders(&vec!["INBOX".to_owned(); MAX_FOLDERS]).is_ok());
        assert_eq!(
            reason_of(folders(&vec!["INBOX".to_owned(); MAX_FOLDERS + 1]).unwrap_err()),
            ("folders", reason::TOO_MANY)
        );
        assert_eq!(
            reason_of(folders(&["x".repeat(MAX_FOLDER_NAME + 1)]).unwrap_err()).1,
            reason::TOO_LONG
        );
        assert!(grantees(&vec![1; MAX_GRANTEES]).is_ok());
        assert!(grantees(&vec![1; MAX_GRANTEES + 1]).is_err());
        assert!(draft_id("0123456789abcdef0123456789abcdef").is_ok());
        for bad in ["", "../x", &"a".repeat(65)] {
            assert!(
                matches!(draft_id(bad), Err(ServiceError::DraftExpired)),
                "{bad}"
            );
        }
    }
}
