//! The errors the stream ends a connection with.

use std::io;

/// Why the stream ended a connection; inside the `io::Error` async-imap reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StreamLimitError {
    #[error("the server sent more than allowed in answer to one command")]
    ResponseTooLarge,
    #[error("the server sent a line longer than allowed")]
    LineTooLong,
    #[error("the server sent more oversized data than allowed")]
    TooMuchDiscarded,
    #[error("the server sent nothing for {0} s")]
    Silent(u64),
}

impl StreamLimitError {
    /// The limit behind an I/O error, if one of ours.
    pub fn of(err: &io::Error) -> Option<StreamLimitError> {
        err.get_ref()
            .and_then(|e| e.downcast_ref::<StreamLimitError>())
            .copied()
    }

    pub(super) fn into_io(self) -> io::Error {
        let kind = match self {
            StreamLimitError::Silent(_) => io::ErrorKind::TimedOut,
            _ => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, self)
    }
}
