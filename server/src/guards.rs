//! Request guards that run before Leptos: bounded request bodies, same-origin writes
//! (CSRF) and the sign-in gate for workspace pages (so the redirect happens before any
//! HTML is rendered).

use axum::{
    body::{Body, Bytes, HttpBody},
    extract::Request,
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use services::session_store::signed_in_user;
use std::pin::Pin;
use tower_sessions::Session;

/// Largest request body a server function takes (forms of a few fields).
pub const BODY_LIMIT: usize = 64 * 1024;
/// Mailbox settings carry the folder list (names up to a few hundred bytes each).
pub const SETTINGS_BODY_LIMIT: usize = 256 * 1024;
/// A draft's save or send: a body of up to 1,000,000 characters and three address lists
/// of 20,000, form-encoded (a 4-byte character is 12 bytes as `%XX%XX%XX%XX`).
pub const DRAFT_BODY_LIMIT: usize = 16 << 20;

/// The largest body `path` accepts. Pages and files are GETs: no body beyond the default.
pub fn body_limit(path: &str) -> usize {
    match path {
        "/api/connect_mailbox" | "/api/update_mailbox" => SETTINGS_BODY_LIMIT,
        "/api/save_draft" | "/api/send_draft" => DRAFT_BODY_LIMIT,
        _ => BODY_LIMIT,
    }
}

/// Refuses a body over the endpoint's limit with 413 before anything reads it: at once
/// when `Content-Length` says so, else after at most `limit` bytes (a chunked body). Server
/// functions read bodies without a bound, so nothing below this layer may see a larger one.
pub async fn bound_body(req: Request, next: Next) -> Response {
    let limit = body_limit(req.uri().path());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(req.uri().path(), limit);
    }
    let path = req.uri().path().to_owned();
    let (parts, body) = req.into_parts();
    match read_at_most(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(BodyError::TooLarge) => too_large(&path, limit),
        Err(BodyError::Broken) => (
            StatusCode::BAD_REQUEST,
            "The request body could not be read",
        )
            .into_response(),
    }
}

enum BodyError {
    TooLarge,
    Broken,
}

async fn read_at_most(mut body: Body, limit: usize) -> Result<Bytes, BodyError> {
    let mut buf = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|_| BodyError::Broken)?;
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > limit {
                return Err(BodyError::TooLarge);
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf.into())
}

fn too_large(path: &str, limit: usize) -> Response {
    tracing::warn!(%path, limit, "request body over the limit refused");
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "The request body is too large: at most {} KB.",
            limit / 1024
        ),
    )
        .into_response()
}

/// Pages anyone may open.
const PUBLIC_PAGES: [&str; 2] = ["/login", "/signup"];

/// Refuses state-changing requests from other sites. Browsers send `Origin` on every
/// cross-site POST (and `Sec-Fetch-Site`); the session cookie is also `SameSite=Lax`.
pub async fn same_origin(req: Request, next: Next) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD && !same_site(req.headers()) {
        tracing::warn!(path = %req.uri().path(), "cross-site write refused");
        return (StatusCode::FORBIDDEN, "Cross-site request refused").into_response();
    }
    next.run(req).await
}

fn same_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority == host),
        // No Origin: not a browser form or fetch (curl, tests); cookies still SameSite.
        (None, _) => true,
        (Some(_), None) => false,
    }
}

/// `/mail/messages/{id}/pass/{pass}/inline/{cid}`: authorised by its pass, not a session.
fn is_inline_pass(path: &str) -> bool {
    path.starts_with("/mail/messages/") && path.contains("/pass/")
}

/// A file (the bundle under `/pkg/`, the favicon…), a health check or metrics: what a
/// browser or a probe fetches without the user doing anything.
pub fn is_file_or_probe(path: &str) -> bool {
    path.starts_with("/pkg/") || path.contains('.') || matches!(path, "/healthz" | "/metrics")
}

/// Sends a visitor who is not signed in from a workspace page to the login page.
pub async fn require_sign_in(session: Session, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let is_page = req.method() == Method::GET
        && !path.starts_with("/api/")
        && !is_file_or_probe(path)
        // An inline image of the message frame: its address carries a pass instead.
        && !is_inline_pass(path)
        && !PUBLIC_PAGES.contains(&path);
    if is_page && signed_in_user(&session).await.is_none() {
        return Redirect::to("/login").into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Neither the sign-in gate nor the session renewal looks at these.
    #[test]
    fn files_and_probes_are_told_apart_from_pages() {
        assert!(!is_file_or_probe("/mail"));
        assert!(!is_file_or_probe("/api/list_messages"));
        assert!(is_file_or_probe("/pkg/app_bg.wasm"));
        assert!(is_file_or_probe("/favicon.svg"));
        assert!(is_file_or_probe("/healthz"));
        assert!(is_file_or_probe("/metrics"));
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn same_origin_rules() {
        assert!(same_site(&headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!same_site(&headers(&[
            ("origin", "http://evil.test"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!same_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(same_site(&headers(&[("host", "127.0.0.1:3000")])));
    }
}
