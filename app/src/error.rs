//! The typed error every server function returns. It crosses the wire as JSON, so the UI
//! can say in the user's language what happened and what to do next.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    NotSignedIn,
    #[error("forbidden")]
    Forbidden,
    #[error("wrong email or password")]
    WrongCredentials,
    #[error("too many attempts")]
    RateLimited,
    #[error("email already registered")]
    EmailTaken,
    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("not found")]
    NotFound,
    #[error("internal error")]
    Internal,
    /// The call itself failed (network, decoding): nothing reached our code.
    #[error("request failed: {0}")]
    Request(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Request(value.to_string())
    }
}

impl AppError {
    /// The HTTP status that fits, set on the response by the server side.
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotSignedIn | AppError::WrongCredentials => 401,
            AppError::Forbidden => 403,
            AppError::RateLimited => 429,
            AppError::EmailTaken => 409,
            AppError::Invalid { .. } | AppError::Request(_) => 400,
            AppError::NotFound => 404,
            AppError::Internal => 500,
        }
    }
}
