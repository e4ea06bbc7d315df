//! Why a sync run stopped, sorted by what the scheduler should do about it.

use super::schedule::Outcome;
use crate::error::ServiceError;
use async_imap::error::Error as ImapError;
use domain::ConnectProblem;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Could not connect or log in.
    #[error("{0:?}")]
    Connect(ConnectProblem),
    /// The server asked us to slow down (`[THROTTLED]`, `[UNAVAILABLE]`, too many connections).
    #[error("the server is throttling: {0}")]
    Throttled(String),
    /// The server said NO or BAD to a command (a folder that vanished, a bad criteria).
    #[error("the server refused: {0}")]
    Refused(String),
    /// A network cut, a server restart, an unexpected reply.
    #[error("IMAP: {0}")]
    Imap(String),
    #[error("the run took longer than its lease allows")]
    Timeout,
    #[error("storage: {0}")]
    Storage(#[from] ServiceError),
}

impl From<ImapError> for SyncError {
    fn from(err: ImapError) -> Self {
        match &err {
            ImapError::No(text) | ImapError::Bad(text) if is_throttle(text) => {
                SyncError::Throttled(text.clone())
            }
            ImapError::No(text) | ImapError::Bad(text) => SyncError::Refused(text.clone()),
            _ => SyncError::Imap(err.to_string()),
        }
    }
}

impl From<sea_orm::DbErr> for SyncError {
    fn from(err: sea_orm::DbErr) -> Self {
        SyncError::Storage(ServiceError::Storage(err))
    }
}

/// Provider replies that mean "later", not "never" (RFC 5530 codes and common texts).
pub fn is_throttle(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    [
        "[THROTTLED]",
        "[UNAVAILABLE]",
        "[LIMIT]",
        "TOO MANY",
        "[INUSE]",
    ]
    .iter()
    .any(|code| upper.contains(code))
}

impl SyncError {
    /// What the schedule does next: a refused password stops it; the rest retries.
    pub fn outcome(&self) -> Outcome {
        let error = self.user_text();
        match self {
            SyncError::Connect(ConnectProblem::WrongPassword) => Outcome::AuthRefused { error },
            SyncError::Connect(ConnectProblem::LoginRefused { server_text })
                if !is_throttle(server_text) =>
            {
                Outcome::AuthRefused { error }
            }
            _ => Outcome::Failed { error },
        }
    }

    /// A short English line for the mailbox's "last error" (the UI shows it as detail).
    pub fn user_text(&self) -> String {
        match self {
            SyncError::Connect(problem) => match problem {
                ConnectProblem::WrongPassword => "the server refused the password".into(),
                ConnectProblem::LoginRefused { server_text } => {
                    format!("the server refused the login: {server_text}")
                }
                ConnectProblem::HostNotFound => "server not found".into(),
                ConnectProblem::ConnectionRefused => "connection refused".into(),
                ConnectProblem::Timeout => "the server did not answer in time".into(),
                ConnectProblem::CertificateNotTrusted { detail } => {
                    format!("certificate not trusted: {detail}")
                }
                other => format!("{other:?}"),
            },
            other => other.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_retries_and_a_wrong_password_stops() {
        assert!(matches!(
            SyncError::from(ImapError::No("[THROTTLED] slow down".into())),
            SyncError::Throttled(_)
        ));
        assert!(matches!(
            SyncError::Connect(ConnectProblem::WrongPassword).outcome(),
            Outcome::AuthRefused { .. }
        ));
        let busy = ConnectProblem::LoginRefused {
            server_text: "[UNAVAILABLE] Too many simultaneous connections".into(),
        };
        assert!(matches!(
            SyncError::Connect(busy).outcome(),
            Outcome::Failed { .. }
        ));
        assert!(matches!(
            SyncError::Imap("connection reset".into()).outcome(),
            Outcome::Failed { .. }
        ));
    }
}
