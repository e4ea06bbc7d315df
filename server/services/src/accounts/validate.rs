use crate::error::{ServiceError, ServiceResult};

pub const MIN_PASSWORD_LEN: usize = 8;

pub fn name(field: &'static str, value: &str) -> ServiceResult<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ServiceError::invalid(field, "empty"));
    }
    if trimmed.chars().count() > 120 {
        return Err(ServiceError::invalid(field, "too_long"));
    }
    Ok(trimmed.to_owned())
}

/// A pragmatic check (one `@`, a dotted or `localhost`-free domain, no spaces); the real
/// test of an address is a mail server accepting it.
pub fn email(value: &str) -> ServiceResult<String> {
    let email = value.trim().to_lowercase();
    let ok = email.len() <= 254
        && !email.contains(char::is_whitespace)
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
        Err(ServiceError::invalid("email", "format"))
    }
}

pub fn password(value: &str) -> ServiceResult<&str> {
    if value.chars().count() < MIN_PASSWORD_LEN {
        return Err(ServiceError::invalid("password", "too_short"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(email(" Olena@Example.COM ").unwrap(), "olena@example.com");
        for bad in [
            "",
            "a",
            "a@b",
            "@x.com",
            "a b@x.com",
            "a@@x.com",
            "a@x.",
            "a@.x",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_and_passwords() {
        assert_eq!(name("name", "  Олена ").unwrap(), "Олена");
        assert!(name("name", "   ").is_err());
        assert!(password("short").is_err());
        assert!(password("long enough").is_ok());
    }
}
