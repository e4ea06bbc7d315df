//! OAuth2 sign-in routes (Microsoft 365, Gmail). `POST /oauth/start` (a plain form, so
//! it works with JavaScript off; same-origin guarded like every POST) sends the browser
//! to the provider's sign-in page; `GET /oauth/callback` is where the provider sends it
//! back. Both need the signed-in session that started the flow. Every outcome is a 303
//! redirect: to step C of the wizard, to Connected accounts after **Reconnect**, or back to
//! the tile's page with `?signin_error=<word>` (no detail of the provider's answer).

use axum::{
    Form, Router,
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use domain::{Provider, SignInProblem};
use services::{
    AppState,
    accounts::Actor,
    error::ServiceError,
    mailboxes::{self, SignInDone},
    oauth::flow::Callback,
    session_store::signed_in_user,
};
use tower_sessions::Session;

pub fn routes<S: Clone + Send + Sync + 'static>(state: &AppState) -> Router<S> {
    Router::new()
        .route("/oauth/start", post(start))
        .route("/oauth/callback", get(callback))
        .with_state(state.clone())
}

#[derive(serde::Deserialize)]
struct StartForm {
    provider: String,
    /// **Reconnect**: the mailbox's id.
    #[serde(default)]
    mailbox: Option<String>,
}

async fn start(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<StartForm>,
) -> Response {
    let Ok(provider) = form.provider.parse::<Provider>() else {
        return Redirect::to("/mail/connect").into_response();
    };
    let reconnect = form
        .mailbox
        .as_deref()
        .filter(|m| !m.is_empty())
        .and_then(|m| m.parse::<i64>().ok());
    let back = back_to(provider, reconnect);
    let (actor, session_id) = match signed_in(&state, &session).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match mailboxes::start_sign_in(&state, &actor, &session_id, provider, reconnect).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(err) => failed(&back, err),
    }
}

async fn callback(
    State(state): State<AppState>,
    session: Session,
    Query(params): Query<Callback>,
) -> Response {
    let (actor, session_id) = match signed_in(&state, &session).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match mailboxes::finish_sign_in(&state, &actor, &session_id, params).await {
        Ok(SignInDone::Draft(draft)) => {
            Redirect::to(&format!("/mail/connect/setup/{draft}")).into_response()
        }
        Ok(SignInDone::Reconnected(id)) => {
            Redirect::to(&format!("/mail/accounts?reconnected={id}")).into_response()
        }
        Err(err) => failed("/mail/connect", err),
    }
}

/// Where a failed start sends the user back: the tile's page, or Connected accounts.
fn back_to(provider: Provider, reconnect: Option<i64>) -> String {
    match reconnect {
        Some(_) => "/mail/accounts".to_owned(),
        None => format!("/mail/connect/{}", provider.as_str()),
    }
}

async fn signed_in(state: &AppState, session: &Session) -> Result<(Actor, String), Response> {
    let user_id = signed_in_user(session).await;
    let session_id = session.id().map(|id| id.to_string());
    let (Some(user_id), Some(session_id)) = (user_id, session_id) else {
        return Err(Redirect::to("/login").into_response());
    };
    match Actor::load(&state.db, user_id).await {
        Ok(actor) => Ok((actor, session_id)),
        Err(_) => Err(Redirect::to("/login").into_response()),
    }
}

fn failed(back: &str, err: ServiceError) -> Response {
    let problem = match err {
        ServiceError::SignIn(problem) => problem,
        ServiceError::Connect(failure) => {
            tracing::info!(?failure, "oauth: the login check with the token failed");
            SignInProblem::ServerRefused
        }
        ServiceError::AlreadyConnected => SignInProblem::AlreadyConnected,
        ServiceError::MailboxLimit { .. } => SignInProblem::MailboxLimit,
        ServiceError::NotFound | ServiceError::OwnerOnly => SignInProblem::StateInvalid,
        other => {
            tracing::warn!(error = %other, "oauth: sign-in failed");
            SignInProblem::Unavailable
        }
    };
    Redirect::to(&format!("{back}?signin_error={}", problem.as_str())).into_response()
}
