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
    #[error("this email is already registered")]
    EmailTaken,
    #[error("invalid {field}: {reason}")]
    Invalid {
        field: &'static str,
        reason: &'static str,
    },
    #[error("not found")]
    NotFound,
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
