//! One message's content for the reading pane, outside Leptos: the sanitised body as the
//! page a sandboxed frame loads (`/mail/messages/{id}/content`, `?images=1` shows remote
//! images), attachment downloads (`…/attachments/{index}`) and inline `cid:` images
//! (`…/inline/{cid}`). Each answers 404 to a reader who may not read the mailbox, and
//! carries its own Content-Security-Policy, which the security-header layer keeps.

use crate::security_headers::OwnPolicy;
use axum::{
    Router,
    body::{Body, Bytes},
    extract::{Path, RawQuery, State},
    http::{HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use services::{
    AppState, ServiceError,
    accounts::Actor,
    config::Config,
    reading::{self, Part, Reader, attachment::CHUNK_BYTES, inline_pass},
    session_store::signed_in_user,
};
use tower_sessions::Session;

#[derive(Clone)]
struct Content {
    state: AppState,
    reader: Reader,
}

/// The routes, with a reader that logs in like this process's sync (same trust, same
/// largest message).
pub fn routes<S: Clone + Send + Sync + 'static>(config: &Config, state: &AppState) -> Router<S> {
    let content = Content {
        state: state.clone(),
        reader: Reader::configured(config, state),
    };
    Router::new()
        .route("/mail/messages/{id}/content", get(body))
        .route("/mail/messages/{id}/attachments/{index}", get(attachment))
        .route("/mail/messages/{id}/inline/{cid}", get(inline))
        .route(
            "/mail/messages/{id}/pass/{pass}/inline/{cid}",
            get(inline_with_pass),
        )
        .with_state(content)
}

/// The frame's policy: no scripts, no plugins, no forms, no fonts, nothing from other
/// hosts but images when shown; framed only by our own pages; a sandbox even when opened
/// on its own (links may open new tabs, which leave the sandbox).
pub fn content_security_policy(images_shown: bool) -> String {
    let remote = if images_shown { " https: http:" } else { "" };
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:{remote}; \
         font-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'self'; \
         sandbox allow-popups allow-popups-to-escape-sandbox"
    )
}

/// The policy of a download or an inline image: nothing runs, nothing loads.
pub const PART_POLICY: &str = "sandbox; default-src 'none'";

async fn body(
    State(c): State<Content>,
    session: Session,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let show = query
        .as_deref()
        .is_some_and(|q| q.split('&').any(|pair| pair == "images=1"));
    let safe = match reader_and_message(&c, &session, &id).await {
        Ok((actor, id)) => reading::message_html(&c.state.db, &actor, id, show).await,
        Err(err) => Err(err),
    };
    let mut safe = match safe {
        Ok(safe) => safe,
        Err(err) => return refusal(err),
    };
    // The frame's image requests carry no session: inline addresses carry a pass.
    if let (Ok(user_id), Ok(id)) = (signed_in(&session).await, id.parse::<i64>()) {
        let now = inline_pass::now();
        if let Some(pass) = inline_pass::issue(&c.state.master_key, user_id, id, now) {
            safe.html = inline_pass::stamp(&safe.html, id, &pass);
        }
    }
    let mut res = reading::html::document(&safe).into_response();
    let headers = res.headers_mut();
    set(headers, header::CONTENT_TYPE, "text/html; charset=utf-8");
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        &content_security_policy(safe.images_shown),
    );
    set(headers, header::X_FRAME_OPTIONS, "SAMEORIGIN");
    common_headers(&mut res);
    res
}

async fn attachment(
    State(c): State<Content>,
    session: Session,
    Path((id, index)): Path<(String, String)>,
) -> Response {
    let part = async {
        let (actor, id) = reader_and_message(&c, &session, &id).await?;
        let index = index.parse::<usize>().map_err(|_| ServiceError::NotFound)?;
        reading::attachment(&c.reader, &actor, id, index).await
    };
    part_response(part.await, |part| {
        reading::attachment::content_disposition(&part.name)
    })
}

async fn inline(
    State(c): State<Content>,
    session: Session,
    Path((id, cid)): Path<(String, String)>,
) -> Response {
    let part = async {
        let (actor, id) = reader_and_message(&c, &session, &id).await?;
        reading::inline_image(&c.reader, &actor, id, &cid).await
    };
    part_response(part.await, |_| "inline".to_owned())
}

/// An inline image asked for from inside the message frame, with the pass its address
/// carries (the frame's requests have no session).
async fn inline_with_pass(
    State(c): State<Content>,
    Path((id, pass, cid)): Path<(String, String, String)>,
) -> Response {
    let part = async {
        let id = id.parse::<i64>().map_err(|_| ServiceError::NotFound)?;
        let now = inline_pass::now();
        let user_id = inline_pass::check(&c.state.master_key, &pass, id, now)
            .ok_or(ServiceError::NotFound)?;
        let actor = Actor::load(&c.state.db, user_id).await?;
        reading::inline_image(&c.reader, &actor, id, &cid).await
    };
    part_response(part.await, |_| "inline".to_owned())
}

async fn signed_in(session: &Session) -> Result<i64, ServiceError> {
    signed_in_user(session)
        .await
        .ok_or(ServiceError::NotSignedIn)
}

/// The signed-in reader and the message id of the address (`NotFound` when it is not one).
async fn reader_and_message(
    c: &Content,
    session: &Session,
    id: &str,
) -> Result<(Actor, i64), ServiceError> {
    let user_id = signed_in(session).await?;
    let actor = Actor::load(&c.state.db, user_id).await?;
    let id = id.parse::<i64>().map_err(|_| ServiceError::NotFound)?;
    Ok((actor, id))
}

/// The part's bytes streamed in chunks of one buffer, with its length and headers.
fn part_response(
    part: Result<Part, ServiceError>,
    disposition: impl FnOnce(&Part) -> String,
) -> Response {
    let part = match part {
        Ok(part) => part,
        Err(err) => return refusal(err),
    };
    let disposition = disposition(&part);
    let length = part.bytes.len();
    let whole = Bytes::from(part.bytes);
    let chunks = (0..length)
        .step_by(CHUNK_BYTES)
        .map(move |at| whole.slice(at..(at + CHUNK_BYTES).min(length)));
    let mut res = Body::from_stream(reading::attachment::stream_of(chunks)).into_response();
    let headers = res.headers_mut();
    set(headers, header::CONTENT_TYPE, part.content_type);
    set(headers, header::CONTENT_LENGTH, &length.to_string());
    set(headers, header::CONTENT_DISPOSITION, &disposition);
    set(headers, header::CONTENT_SECURITY_POLICY, PART_POLICY);
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    common_headers(&mut res);
    res
}

fn common_headers(res: &mut Response) {
    let headers = res.headers_mut();
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::CACHE_CONTROL, "private, no-store");
    res.extensions_mut().insert(OwnPolicy);
}

/// A refusal in plain words; never says whether a message the reader may not see exists.
fn refusal(err: ServiceError) -> Response {
    let (status, text) = match err {
        ServiceError::NotSignedIn => (StatusCode::UNAUTHORIZED, "Sign in to read mail."),
        ServiceError::NotFound => (StatusCode::NOT_FOUND, "This message or part was not found."),
        ServiceError::NeedsNewPassword => (
            StatusCode::CONFLICT,
            "The mail server refused the mailbox's password: its owner enters the new one in the mailbox's settings.",
        ),
        ServiceError::Invalid { .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "This message is too large to open here: open it on the mail server.",
        ),
        ServiceError::Internal(err) => {
            tracing::warn!("reading a message failed: {err:#}");
            (
                StatusCode::BAD_GATEWAY,
                "The mail server did not answer: try again in a moment.",
            )
        }
        other => {
            tracing::error!("reading a message failed: {other:#}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side: try again in a moment.",
            )
        }
    };
    (status, text).into_response()
}

fn set(headers: &mut axum::http::HeaderMap, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}
