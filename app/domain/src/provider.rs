use crate::{Security, ServerAddress};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Where a mailbox lives (SPEC § Connecting a mailbox: the provider tiles).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "db",
    derive(sea_orm::DeriveValueType),
    sea_orm(
        value_type = "String",
        from_str = "crate::stored::from_text",
        to_str = "crate::stored::to_text"
    )
)]
pub enum Provider {
    Gmail,
    Outlook,
    UkrNet,
    OwnDomain,
    Microsoft365,
}

impl Provider {
    pub const ALL: [Provider; 5] = [
        Provider::Gmail,
        Provider::Outlook,
        Provider::UkrNet,
        Provider::OwnDomain,
        Provider::Microsoft365,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Gmail => "gmail",
            Provider::Outlook => "outlook",
            Provider::UkrNet => "ukrnet",
            Provider::OwnDomain => "own_domain",
            Provider::Microsoft365 => "microsoft365",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Provider::Gmail => "Gmail",
            Provider::Outlook => "Outlook",
            Provider::UkrNet => "Ukr.net",
            Provider::OwnDomain => "Own domain",
            Provider::Microsoft365 => "Microsoft 365",
        }
    }

    /// The preset IMAP server, editable in the wizard; none for an own domain.
    pub fn imap_preset(self) -> Option<ServerAddress> {
        let (host, port) = match self {
            Provider::Gmail => ("imap.gmail.com", 993),
            Provider::Outlook | Provider::Microsoft365 => ("outlook.office365.com", 993),
            Provider::UkrNet => ("imap.ukr.net", 993),
            Provider::OwnDomain => return None,
        };
        Some(ServerAddress {
            host: host.into(),
            port,
            security: Security::for_port(port),
        })
    }

    /// The preset SMTP server, editable in the wizard; none for an own domain.
    pub fn smtp_preset(self) -> Option<ServerAddress> {
        let (host, port) = match self {
            Provider::Gmail => ("smtp.gmail.com", 587),
            Provider::Outlook => ("smtp-mail.outlook.com", 587),
            Provider::Microsoft365 => ("smtp.office365.com", 587),
            Provider::UkrNet => ("smtp.ukr.net", 465),
            Provider::OwnDomain => return None,
        };
        Some(ServerAddress {
            host: host.into(),
            port,
            security: Security::for_port(port),
        })
    }

    /// Connected with email + (app) password; Microsoft 365 uses OAuth2 instead.
    pub fn uses_password(self) -> bool {
        self != Provider::Microsoft365
    }
}

impl FromStr for Provider {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown provider {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_follow_the_spec_table() {
        let gmail = Provider::Gmail.smtp_preset().unwrap();
        assert_eq!(
            (gmail.host.as_str(), gmail.port, gmail.security),
            ("smtp.gmail.com", 587, Security::StartTls)
        );
        let ukr = Provider::UkrNet.smtp_preset().unwrap();
        assert_eq!((ukr.port, ukr.security), (465, Security::Tls));
        assert_eq!(
            Provider::Outlook.imap_preset().unwrap().host,
            "outlook.office365.com"
        );
        assert!(Provider::OwnDomain.imap_preset().is_none());
        for p in Provider::ALL {
            assert_eq!(p.as_str().parse::<Provider>(), Ok(p));
        }
    }
}
