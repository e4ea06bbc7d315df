use thiserror::Error;

/// What a service call can refuse or fail with. Callers branch on the variant to show
/// the right message (in the user's language) and HTTP status.
#[derive(Debug, Error)]
pub enum ServiceError {
    #[error("not signed in")]
    NotSignedIn,
    #[error("only a workspace admin may do this")]
    AdminOnly,
    #[error("wrong email or password")]
    WrongCredentials,
    #[error("too many login attempts")]
    RateLimited,
    /// Too many attempts from this address or for this account or user: try again after
    /// `retry_after` (sent as `Retry-After`).
    #[error("too many attempts; try again in {} s", retry_after.as_secs().max(1))]
    Throttled { retry_after: std::time::Duration },
    #[error("this email is already registered")]
    EmailTaken,
    /// **Sync now** / **Re-sync from date** were asked for moments ago: wait `retry_after`.
    #[error("a sync was asked for moments ago; wait {} s", retry_after.as_secs().max(1))]
    SyncCooldown { retry_after: std::time::Duration },
    /// The server refused the stored password: nothing syncs until the owner enters the
    /// new one in the mailbox's settings (repeated refused logins can lock the account).
    #[error("the mailbox needs its new password")]
    NeedsNewPassword,
    /// An OAuth2 mailbox whose grant was revoked or expired: its owner must Reconnect.
    #[error("the mailbox needs to be reconnected")]
    NeedsReconnect,
    #[error("invalid {field}: {reason}")]
    Invalid {
        field: &'static str,
        reason: &'static str,
    },
    #[error("not found")]
    NotFound,
    #[error("only the mailbox's owner may do this")]
    OwnerOnly,
    #[error("the {plan} plan allows {limit} mailboxes per user")]
    MailboxLimit { plan: domain::Plan, limit: u32 },
    #[error("{name} already has {limit} mailboxes, the most the {plan} plan allows")]
    GranteeAtLimit {
        name: String,
        plan: domain::Plan,
        limit: u32,
    },
    #[error("the {plan} plan has no {feature}")]
    PlanLacks {
        plan: domain::Plan,
        feature: &'static str,
    },
    #[error("this mailbox is already connected")]
    AlreadyConnected,
    #[error("enter the IMAP and SMTP servers")]
    ServersNeeded,
    /// Servers found for the domain, for the user to confirm before any password is sent
    /// to them (RFC 6186 §6: DNS and HTTP answers can be forged).
    #[error("confirm the servers found for this domain")]
    ConfirmServers {
        email: String,
        imap: domain::ServerAddress,
        smtp: domain::ServerAddress,
    },
    #[error("the connection wizard expired; start again")]
    DraftExpired,
    #[error("login check failed: {0:?}")]
    Connect(domain::ConnectFailure),
    /// The draft changed since the form was loaded (another tab saved it, or it is on
    /// its way out or sent): reload it.
    #[error("the draft changed elsewhere")]
    DraftChanged,
    /// The draft cannot be sent as it is (no recipients, a bad address, too large).
    #[error("cannot send: {0:?}")]
    Send(domain::SendProblem),
    /// An OAuth2 sign-in did not connect or reconnect the mailbox.
    #[error("sign-in failed: {0:?}")]
    SignIn(domain::SignInProblem),
    #[error("storage failed")]
    Storage(#[from] sea_orm::DbErr),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ServiceError {
    pub fn invalid(field: &'static str, reason: &'static str) -> Self {
        ServiceError::Invalid { field, reason }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
