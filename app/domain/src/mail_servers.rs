use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// How a connection is secured (SPEC § Connecting: security follows the port unless set).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "db",
    derive(sea_orm::DeriveValueType),
    sea_orm(
        value_type = "String",
        from_str = "crate::stored::from_text",
        to_str = "crate::stored::to_text"
    )
)]
pub enum Security {
    /// Implicit TLS from the first byte (IMAP 993, SMTP 465).
    Tls,
    /// Plain text upgraded with STARTTLS before any password is sent (IMAP 143, SMTP 587).
    StartTls,
}

impl Security {
    /// The security a port implies; unknown ports are assumed to be implicit TLS.
    pub fn for_port(port: u16) -> Security {
        match port {
            143 | 587 | 25 => Security::StartTls,
            _ => Security::Tls,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Security::Tls => "tls",
            Security::StartTls => "starttls",
        }
    }
}

impl FromStr for Security {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "tls" => Ok(Security::Tls),
            "starttls" => Ok(Security::StartTls),
            other => Err(format!("unknown security {other:?}")),
        }
    }
}

/// One server of a mailbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerAddress {
    pub host: String,
    pub port: u16,
    pub security: Security,
}

/// Which of a mailbox's two servers a problem is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServerRole {
    Imap,
    Smtp,
}

/// Why a login check failed, specific enough to tell the user what to do next.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConnectProblem {
    HostNotFound,
    /// The host resolves only to addresses mail connections may not reach (loopback,
    /// private, link-local…; `MAIL_ALLOW_PRIVATE`). One answer for every such case, so the
    /// check reveals nothing about what listens there.
    AddressNotAllowed,
    ConnectionRefused,
    Timeout,
    /// The certificate is not signed by a trusted authority (or is expired / for another name).
    CertificateNotTrusted {
        detail: String,
    },
    /// TLS was tried on a port that speaks plain text first: use STARTTLS.
    TlsOnStartTlsPort,
    /// Plain text / STARTTLS was tried on a port that wants TLS from the first byte.
    StartTlsOnTlsPort,
    /// The server does not offer STARTTLS, and we never send a password in clear text.
    StartTlsUnsupported,
    WrongPassword,
    /// The server refuses password logins (IMAP disabled, LOGINDISABLED, account blocked).
    LoginRefused {
        server_text: String,
    },
    /// The OAuth2 sign-in (Microsoft 365, Google) was revoked or expired: the token
    /// endpoint refused the grant, or the server refused a fresh token. Reconnect.
    SignInExpired,
    /// Anything else the server or the network said.
    Other {
        detail: String,
    },
}

/// A failed check: which server, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectFailure {
    pub server: ServerRole,
    pub problem: ConnectProblem,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_follows_the_port() {
        assert_eq!(Security::for_port(993), Security::Tls);
        assert_eq!(Security::for_port(465), Security::Tls);
        assert_eq!(Security::for_port(587), Security::StartTls);
        assert_eq!(Security::for_port(143), Security::StartTls);
    }
}
