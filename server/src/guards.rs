//! Request guards that run before Leptos: same-origin writes (CSRF) and the sign-in gate
//! for workspace pages (so the redirect happens before any HTML is rendered).

use axum::{
    extract::Request,
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

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

/// Sends a visitor who is not signed in from a workspace page to the login page.
pub async fn require_sign_in(session: Session, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let is_page = req.method() == Method::GET
        && !path.starts_with("/api/")
        && !path.starts_with("/pkg/")
        && !path.contains('.')
        && !matches!(path, "/healthz" | "/metrics")
        && !PUBLIC_PAGES.contains(&path);
    if is_page && session.get::<i64>("user_id").await.ok().flatten().is_none() {
        return Redirect::to("/login").into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

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
