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
    #[error("only the owner may do this")]
    OwnerOnly,
    #[error("mailbox limit of the plan reached")]
    MailboxLimit { plan: domain::Plan, limit: u32 },
    #[error("{name} is at the mailbox limit of the plan")]
    GranteeAtLimit {
        name: String,
        plan: domain::Plan,
        limit: u32,
    },
    #[error("the plan lacks {feature}")]
    PlanLacks { plan: domain::Plan, feature: String },
    #[error("mailbox already connected")]
    AlreadyConnected,
    #[error("servers needed")]
    ServersNeeded,
    /// Servers found for the domain: shown in step B for the user to confirm.
    #[error("confirm the servers found")]
    ConfirmServers {
        email: String,
        imap: domain::ServerAddress,
        smtp: domain::ServerAddress,
    },
    #[error("wizard expired")]
    DraftExpired,
    /// Sync now / Re-sync from date were asked for moments ago.
    #[error("a sync was asked for moments ago; wait {seconds} s")]
    SyncCooldown { seconds: u64 },
    /// The server refused the stored password: enter the new one in Settings.
    #[error("the mailbox needs its new password")]
    NeedsNewPassword,
    /// An OAuth2 mailbox whose sign-in was revoked or expired: Reconnect.
    #[error("the mailbox needs to be reconnected")]
    NeedsReconnect,
    #[error("login check failed")]
    Connect(domain::ConnectFailure),
    /// The draft changed elsewhere (another tab, or it is on its way out): reload it.
    #[error("the draft changed elsewhere")]
    DraftChanged,
    /// The draft cannot be sent as it is.
    #[error("cannot send")]
    Send(domain::SendProblem),
    /// An OAuth2 sign-in did not connect or reconnect the mailbox.
    #[error("sign-in failed")]
    SignIn(domain::SignInProblem),
    #[error("internal error")]
    Internal,
    /// The call itself failed (network, decoding): nothing reached our code.
    #[error("request failed: {0}")]
    Request(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The call's arguments did not decode (a missing or malformed field): the
            // caller's mistake, 400. On the server, decoding is only ever of the input.
            ServerFnErrorErr::Args(reason) | ServerFnErrorErr::MissingArg(reason) => {
                AppError::Invalid {
                    field: "arguments".into(),
                    reason,
                }
            }
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(reason) => AppError::Invalid {
                field: "arguments".into(),
                reason,
            },
            other => AppError::Request(other.to_string()),
        }
    }
}

impl AppError {
    /// The HTTP status that fits, set on the response by the server side.
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotSignedIn | AppError::WrongCredentials => 401,
            AppError::Forbidden | AppError::OwnerOnly => 403,
            AppError::MailboxLimit { .. }
            | AppError::GranteeAtLimit { .. }
            | AppError::PlanLacks { .. } => 403,
            AppError::AlreadyConnected => 409,
            AppError::ServersNeeded | AppError::Connect(_) => 422,
            AppError::ConfirmServers { .. } => 409,
            AppError::DraftExpired => 410,
            AppError::SyncCooldown { .. } => 429,
            AppError::NeedsNewPassword | AppError::NeedsReconnect | AppError::DraftChanged => 409,
            AppError::Send(_) => 422,
            AppError::SignIn(_) => 400,
            AppError::RateLimited => 429,
            AppError::EmailTaken => 409,
            AppError::Invalid { .. } | AppError::Request(_) => 400,
            AppError::NotFound => 404,
            AppError::Internal => 500,
        }
    }
}
