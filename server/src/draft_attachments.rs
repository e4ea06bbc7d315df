//! Attachments of a draft, outside Leptos: uploads (`POST /mail/drafts/{id}/attachments`,
//! `multipart/form-data`, each file streamed into the service, never held whole) and
//! downloads of what was attached (`GET …/attachments/{att}`).
//!
//! Without JavaScript, **Attach** posts the whole compose form: its text fields (From, To,
//! Cc, Bcc, Subject, body, revision) come before the files and are saved first, bounded
//! like a save, so attaching never loses what was typed.
//!
//! An upload answers a plain form post (JavaScript off) with `303 See Other` back to the
//! draft (`?error=…` when refused, which the page says in words), and a `fetch` asking for
//! `Accept: application/json` with the stored attachment or the error, as JSON with the
//! fitting status. The request body may be the attachment limit plus 1 MiB (the form's
//! other fields, multipart framing), so an oversized upload meets the service's own check
//! (a clear `AttachmentsTooLarge`) before the transport's.

use crate::security_headers::OwnPolicy;
use app::{api::context::from_service, error::AppError};
use axum::{
    Json, Router,
    body::Body,
    extract::{DefaultBodyLimit, Multipart, Path, State},
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use domain::{ComposeAttachment, SendProblem};
use services::{
    AppState, ServiceError, accounts::Actor, reading::attachment::content_disposition, sending,
    session_store::signed_in_user,
};
use tower_sessions::Session;

/// Room for the form's framing and its text fields (a whole draft, posted by **Attach**
/// without JavaScript) beyond the attachments themselves.
const FRAMING_BYTES: u64 = 8 << 20;
/// Bytes of one text field of the compose form (a 1,000,000-character body in UTF-8).
const TEXT_FIELD_BYTES: usize = 4 << 20;

/// The routes, their bodies bounded by the attachment limit (plus framing) instead of the
/// server functions' small limit.
pub fn routes<S: Clone + Send + Sync + 'static>(state: &AppState) -> Router<S> {
    let limit = sending::attachment_limit(state).saturating_add(FRAMING_BYTES);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    Router::new()
        .route(
            "/mail/drafts/{id}/attachments",
            post(upload).layer(DefaultBodyLimit::max(limit)),
        )
        .route("/mail/drafts/{id}/attachments/{att}", get(download))
        .with_state(state.clone())
}

/// Stores every file of the form in the draft, in order; stops at the first refusal.
async fn upload(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let Ok(draft) = id.parse::<i64>() else {
        return refusal(wants_json, None, ServiceError::NotFound);
    };
    let result = match (actor(&state, &session).await, multipart) {
        (Ok(actor), Ok(multipart)) => store_files(&state, &actor, draft, multipart).await,
        (Err(err), _) => Err(err),
        (Ok(_), Err(rejection)) => {
            tracing::info!(%rejection, "attachment upload not readable");
            Err(ServiceError::Invalid {
                field: "attachment",
                reason: "unreadable",
            })
        }
    };
    match result {
        Ok(stored) if wants_json => match stored.last() {
            Some(last) => Json(last.clone()).into_response(),
            None => refusal(true, Some(draft), no_file()),
        },
        Ok(_) => Redirect::to(&format!("/mail/drafts/{draft}")).into_response(),
        Err(err) => refusal(wants_json, Some(draft), err),
    }
}

fn no_file() -> ServiceError {
    ServiceError::Invalid {
        field: "attachment",
        reason: "empty",
    }
}

async fn store_files(
    state: &AppState,
    actor: &Actor,
    draft: i64,
    mut multipart: Multipart,
) -> Result<Vec<ComposeAttachment>, ServiceError> {
    let mut stored = Vec::new();
    let mut typed = Typed::default();
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) => return Err(unreadable(err)),
        };
        if field.file_name().is_none() {
            // A text field of the compose form: kept until the first file.
            let name = field.name().unwrap_or_default().to_owned();
            let value = text_of(&mut field).await?;
            typed.set(&name, value);
            continue;
        }
        if let Some(fields) = typed.take()
            && let Err(err) = save_typed(state, actor, draft, fields).await
        {
            drop(field);
            drain(&mut multipart).await;
            return Err(err);
        }
        // A file input left empty sends a part with an empty file name: nothing to keep.
        let Some(name) = field
            .file_name()
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
        else {
            continue;
        };
        let content_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned();
        let added =
            sending::add_attachment(state, actor, draft, &name, &content_type, Box::pin(field))
                .await;
        match added {
            Ok(attachment) => stored.push(attachment),
            Err(err) => {
                // Read the rest (bounded by the body limit) so the browser, still sending,
                // gets the answer rather than a reset connection.
                drain(&mut multipart).await;
                return Err(err);
            }
        }
    }
    if let Some(fields) = typed.take() {
        save_typed(state, actor, draft, fields).await?;
    }
    Ok(stored)
}

/// The compose form's text fields as they arrive (a fetch of the hydrated page sends none).
#[derive(Default)]
struct Typed {
    mailbox: Option<i64>,
    revision: Option<i64>,
    fields: domain::ComposeFields,
    /// Taken once: the fields are saved before the first file.
    done: bool,
}

impl Typed {
    fn set(&mut self, name: &str, value: String) {
        let f = &mut self.fields;
        match name {
            "mailbox" => self.mailbox = value.trim().parse().ok(),
            "revision" => self.revision = value.trim().parse().ok(),
            "to" => f.to = value,
            "cc" => f.cc = value,
            "bcc" => f.bcc = value,
            "subject" => f.subject = value,
            "body" => f.body = value,
            _ => {}
        }
    }

    /// The fields to save, once, when the form carried a From.
    fn take(&mut self) -> Option<(domain::ComposeFields, Option<i64>)> {
        if self.done {
            return None;
        }
        self.done = true;
        let mailbox = self.mailbox?;
        let mut fields = std::mem::take(&mut self.fields);
        fields.mailbox_id = mailbox;
        Some((fields, self.revision))
    }
}

/// Saves what was typed, bounded like any save.
async fn save_typed(
    state: &AppState,
    actor: &Actor,
    draft: i64,
    (fields, revision): (domain::ComposeFields, Option<i64>),
) -> Result<(), ServiceError> {
    sending::save_draft(state, actor, draft, &fields, revision)
        .await
        .map(drop)
}

/// One text field's value, at most [`TEXT_FIELD_BYTES`].
async fn text_of(field: &mut axum::extract::multipart::Field<'_>) -> Result<String, ServiceError> {
    let mut bytes = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > TEXT_FIELD_BYTES {
                    return Err(ServiceError::invalid("body", "too_long"));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(err) => return Err(unreadable(err)),
        }
    }
    String::from_utf8(bytes).map_err(|_| ServiceError::invalid("attachment", "unreadable"))
}

async fn drain(multipart: &mut Multipart) {
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(_)) = field.chunk().await {}
    }
}

/// A body over the transport limit is the same problem as the service's own limit.
fn unreadable(err: axum::extract::multipart::MultipartError) -> ServiceError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ServiceError::Send(SendProblem::AttachmentsTooLarge { limit_bytes: 0 });
    }
    tracing::info!(%err, "attachment upload broke off");
    ServiceError::Invalid {
        field: "attachment",
        reason: "unreadable",
    }
}

/// One attachment of the caller's draft, as a download that never renders in the page.
async fn download(
    State(state): State<AppState>,
    session: Session,
    Path((id, att)): Path<(String, String)>,
) -> Response {
    let found = async {
        let actor = actor(&state, &session).await?;
        let draft = id.parse::<i64>().map_err(|_| ServiceError::NotFound)?;
        let att = att.parse::<i64>().map_err(|_| ServiceError::NotFound)?;
        sending::attachment_bytes(&state, &actor, draft, att).await
    };
    let (attachment, bytes) = match found.await {
        Ok(found) => found,
        Err(err) => return refusal(false, None, err),
    };
    let length = bytes.len();
    let mut res = Body::from(bytes).into_response();
    let headers = res.headers_mut();
    // What the browser said the file was is not trusted for rendering: bytes to save.
    set(headers, header::CONTENT_TYPE, "application/octet-stream");
    set(headers, header::CONTENT_LENGTH, &length.to_string());
    set(
        headers,
        header::CONTENT_DISPOSITION,
        &content_disposition(&attachment.name),
    );
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        crate::message_content::PART_POLICY,
    );
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::CACHE_CONTROL, "private, no-store");
    res.extensions_mut().insert(OwnPolicy);
    res
}

async fn actor(state: &AppState, session: &Session) -> Result<Actor, ServiceError> {
    let user_id = signed_in_user(session)
        .await
        .ok_or(ServiceError::NotSignedIn)?;
    Actor::load(&state.db, user_id).await
}

/// The error as JSON with its status (`fetch`), or back to the draft with a short code
/// the page puts in words (a plain form). Never says whether someone else's draft exists.
fn refusal(wants_json: bool, draft: Option<i64>, err: ServiceError) -> Response {
    let err: AppError = from_service(err);
    if wants_json {
        let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST);
        return (status, Json(err)).into_response();
    }
    let code = match &err {
        AppError::Send(SendProblem::AttachmentsTooLarge { .. }) => "too_large",
        AppError::DraftChanged => "changed",
        AppError::Invalid { reason, .. } if reason == "empty" => "no_file",
        AppError::NotSignedIn => return Redirect::to("/login").into_response(),
        AppError::NotFound => {
            return (StatusCode::NOT_FOUND, "This draft was not found.").into_response();
        }
        AppError::Invalid { .. } => "unreadable",
        _ => "failed",
    };
    match draft {
        Some(draft) => Redirect::to(&format!("/mail/drafts/{draft}?error={code}")).into_response(),
        None => (StatusCode::NOT_FOUND, "This draft was not found.").into_response(),
    }
}

fn set(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}
