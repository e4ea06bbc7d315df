//! Logging in to a mailbox's servers: the wizard's login check (can we reach both servers,
//! securely, and log in?) and the sessions the sync and IDLE open (`open_session`). Every failure is a [`ConnectProblem`] precise enough to tell the user what to
//! change (host, port, security, password) — see SPEC § Connecting.
//!
//! Passwords only ever travel inside TLS: implicit TLS (RFC 8314) or after a successful
//! STARTTLS (RFC 3501 §6.2.1, RFC 3207); there is no plain-text fallback.

mod classify;
mod folders;
mod imap;
mod net;
mod smtp;

pub use classify::{NOT_IMAP, is_parse_failure, server_text};
pub use folders::{FolderInfo, MAX_FOLDER_NAME_BYTES, MAX_FOLDERS, SpecialUse};
pub use imap::{
    InboxSeen, Tls, check_imap, open_session, open_session_pipelining, open_session_within,
    take_inbox_seen,
};
pub use net::resolve_vetted;
pub use smtp::{check_smtp, open_smtp};

use crate::mail::tls::MailTrust;
use domain::{ConnectFailure, ServerAddress, ServerRole};
use std::{fmt, time::Duration};

/// User name and what proves it for one server.
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
    pub username: String,
    pub credential: Credential,
}

/// A password (LOGIN, AUTH PLAIN/LOGIN) or an OAuth2 access token (SASL XOAUTH2).
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    Password(String),
    Bearer(String),
}

impl Login {
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Login {
            username: username.into(),
            credential: Credential::Password(password.into()),
        }
    }

    /// Logs in with an OAuth2 access token (Microsoft 365, Gmail).
    pub fn bearer(username: impl Into<String>, token: impl Into<String>) -> Self {
        Login {
            username: username.into(),
            credential: Credential::Bearer(token.into()),
        }
    }

    /// The password, for a password login.
    pub fn password(&self) -> Option<&str> {
        match &self.credential {
            Credential::Password(p) => Some(p),
            Credential::Bearer(_) => None,
        }
    }

    /// The SASL XOAUTH2 initial response (before base64): user, bearer token.
    pub(crate) fn xoauth2(&self, token: &str) -> String {
        format!("user={}\x01auth=Bearer {}\x01\x01", self.username, token)
    }
}

/// Never prints the password or token: `Login`s end up in logs and error reports.
impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.credential {
            Credential::Password(_) => "password",
            Credential::Bearer(_) => "bearer token",
        };
        f.debug_struct("Login")
            .field("username", &self.username)
            .field(kind, &"<redacted>")
            .finish()
    }
}

/// What every check needs besides the server and the login.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Roots and address policy.
    pub trust: MailTrust,
    /// Bounds each server's whole check (connect, TLS, login, folder list).
    pub timeout: Duration,
}

impl CheckOptions {
    /// Long enough for a slow provider across the world, short enough for a form.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

    pub fn new(trust: MailTrust) -> Self {
        CheckOptions {
            trust,
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }
}

/// IMAP then SMTP; both must succeed. Returns the folder list. One after the other, so
/// that a wrong password costs one failed login, not two (providers lock accounts).
pub async fn check_both(
    imap: &ServerAddress,
    imap_login: &Login,
    smtp: &ServerAddress,
    smtp_login: &Login,
    opts: &CheckOptions,
) -> Result<Vec<FolderInfo>, ConnectFailure> {
    let folders = check_imap(imap, imap_login, opts)
        .await
        .map_err(|problem| ConnectFailure {
            server: ServerRole::Imap,
            problem,
        })?;
    check_smtp(smtp, smtp_login, opts)
        .await
        .map_err(|problem| ConnectFailure {
            server: ServerRole::Smtp,
            problem,
        })?;
    Ok(folders)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_debug_hides_the_password() {
        let login = Login::new("alice@example.test", "s3cret-Pass");
        let shown = format!("{login:?}");
        assert!(shown.contains("alice@example.test"), "{shown}");
        assert!(!shown.contains("s3cret-Pass"), "{shown}");
        let token = Login::bearer("alice@example.test", "eyJ-token");
        assert!(!format!("{token:?}").contains("eyJ"));
        assert_eq!(
            token.xoauth2("eyJ-token"),
            "user=alice@example.test\x01auth=Bearer eyJ-token\x01\x01"
        );
    }
}
