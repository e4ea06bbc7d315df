//! Why a sync run stopped, sorted by what the scheduler should do about it.

use super::schedule::Outcome;
use crate::{
    error::ServiceError,
    mail::{
        bounded_stream::StreamLimitError,
        login::{NOT_IMAP, is_parse_failure, server_text},
        text,
    },
};
use async_imap::error::Error as ImapError;
use domain::ConnectProblem;

/// The longest "last error" kept for a mailbox or a folder.
pub const MAX_ERROR_CHARS: usize = 300;

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
    /// A command got no answer within its bound (or the server went silent).
    #[error("the server did not answer in time")]
    Timeout,
    /// The server broke a bound of the connection (bytes per answer, line length).
    #[error("the server sent more data than allowed; the connection was closed")]
    TooMuchData,
    /// The run reached its deadline (`SYNC_RUN_DEADLINE_SECS`); the next run goes on.
    #[error("the run reached its time limit; the next run continues")]
    Deadline,
    #[error("storage: {0}")]
    Storage(#[from] ServiceError),
}

/// Server words enter a `SyncError` only through here: printable and capped
/// (`mail::text`), never the raw bytes (a parse error quotes everything it was given).
impl From<ImapError> for SyncError {
    fn from(err: ImapError) -> Self {
        match &err {
            ImapError::No(t) | ImapError::Bad(t) if is_throttle(t) => {
                SyncError::Throttled(server_text(t))
            }
            ImapError::No(t) | ImapError::Bad(t) => SyncError::Refused(server_text(t)),
            ImapError::Io(io) => match StreamLimitError::of(io) {
                Some(StreamLimitError::Silent(_)) => SyncError::Timeout,
                Some(_) => SyncError::TooMuchData,
                None if io.kind() == std::io::ErrorKind::TimedOut => SyncError::Timeout,
                None if is_parse_failure(io) => SyncError::Imap(NOT_IMAP.into()),
                None => SyncError::Imap(text::server(&io.to_string())),
            },
            _ => SyncError::Imap(text::server(&err.to_string())),
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
    /// Whether the connection can still carry a LOGOUT: not after a timeout, a broken
    /// bound or a network error (the server would only make us wait again).
    pub fn connection_usable(&self) -> bool {
        matches!(
            self,
            SyncError::Refused(_) | SyncError::Throttled(_) | SyncError::Storage(_)
        )
    }

    /// What the schedule does next: a refused password stops it; the rest retries.
    pub fn outcome(&self) -> Outcome {
        let error = self.user_text();
        match self {
            SyncError::Connect(ConnectProblem::WrongPassword | ConnectProblem::SignInExpired) => {
                Outcome::AuthRefused { error }
            }
            SyncError::Connect(ConnectProblem::LoginRefused { server_text })
                if !is_throttle(server_text) =>
            {
                Outcome::AuthRefused { error }
            }
            _ => Outcome::Failed { error },
        }
    }

    /// A short English line for the mailbox's "last error" (the UI shows it as detail):
    /// printable, at most [`MAX_ERROR_CHARS`].
    pub fn user_text(&self) -> String {
        text::printable(&self.full_text(), MAX_ERROR_CHARS)
    }

    fn full_text(&self) -> String {
        match self {
            SyncError::Connect(problem) => match problem {
                ConnectProblem::WrongPassword => "the server refused the password".into(),
                ConnectProblem::SignInExpired => {
                    "the sign-in was revoked or has expired: reconnect the mailbox".into()
                }
                ConnectProblem::LoginRefused { server_text } => {
                    format!("the server refused the login: {server_text}")
                }
                ConnectProblem::HostNotFound => "server not found".into(),
                ConnectProblem::AddressNotAllowed => {
                    "the server's address is on a local or private network".into()
                }
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
    fn server_words_are_printable_and_capped() {
        let flood = format!(
            "code: None, info: Some(\"{}\x1b[2J\r\n{}\")",
            "A".repeat(5000),
            "B"
        );
        for err in [
            SyncError::from(ImapError::No(flood.clone())),
            SyncError::from(ImapError::Bad(flood.clone())),
            SyncError::from(ImapError::Io(std::io::Error::other(flood.clone()))),
        ] {
            let text = err.user_text();
            assert!(text.chars().count() <= MAX_ERROR_CHARS, "{}", text.len());
            assert!(!text.chars().any(char::is_control), "{text:?}");
        }
        let unparsable = std::io::Error::other(format!(
            "Error(Error {{ input: [42, 32, 1] }}) during parsing of {:?}",
            "\x01\x1b[2J".repeat(10_000)
        ));
        assert_eq!(
            SyncError::from(ImapError::Io(unparsable)).user_text(),
            "IMAP: the server sent an answer that is not valid IMAP"
        );
        let long_detail = SyncError::Connect(ConnectProblem::LoginRefused {
            server_text: "x".repeat(10_000),
        });
        assert!(long_detail.user_text().chars().count() <= MAX_ERROR_CHARS);
    }

    #[test]
    fn stream_bounds_and_silence_are_told_apart() {
        let io = |e: StreamLimitError| ImapError::Io(std::io::Error::other(e));
        assert!(matches!(
            SyncError::from(io(StreamLimitError::ResponseTooLarge)),
            SyncError::TooMuchData
        ));
        assert!(matches!(
            SyncError::from(io(StreamLimitError::Silent(60))),
            SyncError::Timeout
        ));
        assert!(!SyncError::Timeout.connection_usable());
        assert!(SyncError::Refused("gone".into()).connection_usable());
    }

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
