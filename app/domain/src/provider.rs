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

    /// The OAuth2 sign-in this provider offers: the only way for Microsoft 365, the
    /// first way for Gmail (app passwords need 2-step verification and are weaker).
    pub fn oauth(self) -> Option<OAuthProvider> {
        match self {
            Provider::Microsoft365 => Some(OAuthProvider::Microsoft),
            Provider::Gmail => Some(OAuthProvider::Google),
            _ => None,
        }
    }
}

/// An OAuth2 authorization server the app signs in with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OAuthProvider {
    Microsoft,
    Google,
}

impl OAuthProvider {
    pub const ALL: [OAuthProvider; 2] = [OAuthProvider::Microsoft, OAuthProvider::Google];

    pub fn as_str(self) -> &'static str {
        match self {
            OAuthProvider::Microsoft => "microsoft",
            OAuthProvider::Google => "google",
        }
    }

    /// The mailbox provider a grant of this server connects.
    pub fn mailbox_provider(self) -> Provider {
        match self {
            OAuthProvider::Microsoft => Provider::Microsoft365,
            OAuthProvider::Google => Provider::Gmail,
        }
    }

    /// The configuration variables' prefix (README § Configuration).
    pub fn env_prefix(self) -> &'static str {
        match self {
            OAuthProvider::Microsoft => "OAUTH_MICROSOFT_",
            OAuthProvider::Google => "OAUTH_GOOGLE_",
        }
    }
}

/// Why an OAuth2 sign-in did not connect (or reconnect) a mailbox; the words travel in
/// the URL back to the wizard (`?signin_error=`), so no detail of the provider's answer
/// does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SignInProblem {
    /// The administrator has not set this provider's client id and secret.
    NotConfigured,
    /// The `state` is unknown, used, expired, or belongs to another user or session.
    StateInvalid,
    /// The user cancelled, or the provider refused, at the sign-in page.
    Denied,
    /// A personal Microsoft account (consumer tenant): use the Outlook tile.
    PersonalAccount,
    /// Reconnect signed in as another address than the mailbox's.
    WrongAccount,
    /// The provider's answer carried no usable address or no refresh token.
    NoIdentity,
    /// The provider refused the code (expired, used, wrong verifier).
    CodeRefused,
    /// The provider could not be reached.
    Unavailable,
    /// Signed in, but the mail server refused the token (IMAP or SMTP not allowed for
    /// the user, or not reachable).
    ServerRefused,
    /// This address is already connected by the user.
    AlreadyConnected,
    /// The plan's mailbox limit is reached.
    MailboxLimit,
}

impl SignInProblem {
    pub const ALL: [SignInProblem; 11] = [
        SignInProblem::NotConfigured,
        SignInProblem::StateInvalid,
        SignInProblem::Denied,
        SignInProblem::PersonalAccount,
        SignInProblem::WrongAccount,
        SignInProblem::NoIdentity,
        SignInProblem::CodeRefused,
        SignInProblem::Unavailable,
        SignInProblem::ServerRefused,
        SignInProblem::AlreadyConnected,
        SignInProblem::MailboxLimit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SignInProblem::NotConfigured => "not_configured",
            SignInProblem::StateInvalid => "state_invalid",
            SignInProblem::Denied => "denied",
            SignInProblem::PersonalAccount => "personal_account",
            SignInProblem::WrongAccount => "wrong_account",
            SignInProblem::NoIdentity => "no_identity",
            SignInProblem::CodeRefused => "code_refused",
            SignInProblem::Unavailable => "unavailable",
            SignInProblem::ServerRefused => "server_refused",
            SignInProblem::AlreadyConnected => "already_connected",
            SignInProblem::MailboxLimit => "mailbox_limit",
        }
    }
}

impl FromStr for SignInProblem {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SignInProblem::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown sign-in problem {s:?}"))
    }
}

impl FromStr for OAuthProvider {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OAuthProvider::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown sign-in provider {s:?}"))
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
