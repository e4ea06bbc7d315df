//! What a server function needs from the request: the shared state, the session, the
//! signed-in actor, and the mapping from service errors to `AppError`.

use crate::error::AppError;
use leptos::prelude::*;
use services::{
    AppState, ServiceError,
    accounts::Actor,
    session_store::{RENEWED_AT, USER_ID, renewal_stamp},
    throttle::{Action, ClientAddress},
};
use tower_sessions::Session;

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server-function context");
        AppError::Internal
    })
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|err| {
        tracing::error!("Session layer missing: {err}");
        AppError::Internal
    })
}

/// The user id in the session, if someone is signed in.
pub async fn session_user_id() -> Result<Option<i64>, AppError> {
    session().await?.get::<i64>(USER_ID).await.map_err(internal)
}

pub async fn signed_in_user_id() -> Result<i64, AppError> {
    session_user_id()
        .await?
        .ok_or_else(|| fail(AppError::NotSignedIn))
}

/// The signed-in user, checked against the database on every call.
pub async fn actor() -> Result<(AppState, Actor), AppError> {
    let state = state()?;
    let user_id = signed_in_user_id().await?;
    let actor = Actor::load(&state.db, user_id)
        .await
        .map_err(from_service)?;
    Ok((state, actor))
}

/// The address the request came from: the TCP peer (axum's `ConnectInfo`), or with
/// `TRUST_PROXY_HEADERS` the rightmost `X-Forwarded-For` entry. A request without either
/// (an in-process test) is `Unknown`, and all of those share one throttle bucket.
pub fn client_address(state: &AppState) -> ClientAddress {
    let Some(parts) = use_context::<http::request::Parts>() else {
        return ClientAddress::Unknown;
    };
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0);
    let forwarded = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok());
    ClientAddress::resolve(peer, forwarded, state.trust_proxy_headers)
}

/// Counts one `action` by the user (when signed in) from this request's address, or
/// answers 429 with `Retry-After`.
pub fn throttle(state: &AppState, action: Action, user_id: Option<i64>) -> Result<(), AppError> {
    state
        .throttles
        .attempt(action, user_id, &client_address(state))
        .map_err(from_service)
}

/// Starts a fresh session for `user_id` (a new id, so a planted cookie is useless).
pub async fn begin_session(user_id: i64) -> Result<(), AppError> {
    let session = session().await?;
    session.cycle_id().await.map_err(internal)?;
    session.insert(USER_ID, user_id).await.map_err(internal)?;
    // Just written with a fresh expiry: the next renewal is due a day from now.
    session
        .insert(RENEWED_AT, renewal_stamp())
        .await
        .map_err(internal)
}

pub async fn end_session() -> Result<(), AppError> {
    session().await?.flush().await.map_err(internal)
}

/// Sets the language cookie leptos_i18n reads during SSR, so the next page renders in it.
pub fn remember_language(language: domain::Language) {
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        let cookie = format!(
            "{}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            crate::i18n_setup::LANGUAGE_COOKIE,
            language.code()
        );
        if let Ok(value) = http::HeaderValue::from_str(&cookie) {
            res.append_header(http::header::SET_COOKIE, value);
        }
    }
}

fn internal(err: impl std::fmt::Display) -> AppError {
    tracing::error!("session store failed: {err}");
    fail(AppError::Internal)
}

/// Sets the response status that fits the error and returns it. A plain HTML form post
/// (JavaScript off) keeps the redirect back to the form, which carries the error.
pub fn fail(err: AppError) -> AppError {
    let from_html_form = use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    });
    if from_html_form {
        return err;
    }
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(code) = http::StatusCode::from_u16(err.status())
    {
        res.set_status(code);
    }
    err
}

/// `Retry-After` in whole seconds, at least 1.
fn retry_after_header(wait: std::time::Duration) {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.insert_header(
            http::header::RETRY_AFTER,
            http::HeaderValue::from(secs.max(1)),
        );
    }
}

pub fn from_service(err: ServiceError) -> AppError {
    let mapped = match err {
        ServiceError::NotSignedIn => AppError::NotSignedIn,
        ServiceError::AdminOnly => AppError::Forbidden,
        ServiceError::WrongCredentials => AppError::WrongCredentials,
        ServiceError::RateLimited => AppError::RateLimited,
        ServiceError::Throttled { retry_after } => {
            retry_after_header(retry_after);
            AppError::RateLimited
        }
        ServiceError::EmailTaken => AppError::EmailTaken,
        ServiceError::Invalid { field, reason } => AppError::Invalid {
            field: field.to_owned(),
            reason: reason.to_owned(),
        },
        ServiceError::NotFound => AppError::NotFound,
        ServiceError::OwnerOnly => AppError::OwnerOnly,
        ServiceError::MailboxLimit { plan, limit } => AppError::MailboxLimit { plan, limit },
        ServiceError::GranteeAtLimit { name, plan, limit } => {
            AppError::GranteeAtLimit { name, plan, limit }
        }
        ServiceError::PlanLacks { plan, feature } => AppError::PlanLacks {
            plan,
            feature: feature.to_owned(),
        },
        ServiceError::AlreadyConnected => AppError::AlreadyConnected,
        ServiceError::ServersNeeded => AppError::ServersNeeded,
        ServiceError::ConfirmServers { email, imap, smtp } => {
            AppError::ConfirmServers { email, imap, smtp }
        }
        ServiceError::DraftExpired => AppError::DraftExpired,
        ServiceError::SyncCooldown { retry_after } => {
            retry_after_header(retry_after);
            AppError::SyncCooldown {
                seconds: retry_after.as_secs().max(1),
            }
        }
        ServiceError::NeedsNewPassword => AppError::NeedsNewPassword,
        ServiceError::NeedsReconnect => AppError::NeedsReconnect,
        ServiceError::Connect(failure) => AppError::Connect(failure),
        ServiceError::DraftChanged => AppError::DraftChanged,
        ServiceError::Send(problem) => AppError::Send(problem),
        ServiceError::SignIn(problem) => AppError::SignIn(problem),
        ServiceError::Storage(err) => {
            tracing::error!("storage failed: {err:#}");
            AppError::Internal
        }
        ServiceError::Internal(err) => {
            tracing::error!("internal error: {err:#}");
            AppError::Internal
        }
    };
    fail(mapped)
}
