//! Keeps a signed-in user's session alive while they use the app. The session expires after
//! fourteen days without a request (`router`), but tower-sessions pushes the expiry back, in
//! the store and in the cookie, only when the session's data changes; so once a day a
//! request of a signed-in user changes `RENEWED_AT`, and the session layer writes the new
//! expiry and sends the cookie again.

use axum::{extract::Request, middleware::Next, response::Response};
use services::session_store::{RENEWED_AT, USER_ID, renewal_due, renewal_stamp};
use tower_sessions::Session;

pub async fn renew(session: Session, req: Request, next: Next) -> Response {
    if counts_as_use(req.uri().path()) {
        renew_if_due(&session).await;
    }
    next.run(req).await
}

/// Pages and server functions; not files (the bundle under `/pkg/`, the favicon, a
/// message's inline images), health checks or metrics, which a browser or a probe fetches
/// without the user doing anything (and which need not read the session from the database).
fn counts_as_use(path: &str) -> bool {
    !path.starts_with("/pkg/") && !path.contains('.') && !matches!(path, "/healthz" | "/metrics")
}

async fn renew_if_due(session: &Session) {
    // Only a signed-in session: a visitor's empty session stays unsaved.
    let signed_in = matches!(session.get::<i64>(USER_ID).await, Ok(Some(_)));
    if !signed_in {
        return;
    }
    let now = renewal_stamp();
    let renewed_at = session.get::<i64>(RENEWED_AT).await.ok().flatten();
    if renewal_due(renewed_at, now)
        && let Err(err) = session.insert(RENEWED_AT, now).await
    {
        tracing::warn!("session not renewed: {err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_and_probes_do_not_renew() {
        assert!(counts_as_use("/mail"));
        assert!(counts_as_use("/api/list_messages"));
        assert!(!counts_as_use("/pkg/app_bg.wasm"));
        assert!(!counts_as_use("/favicon.svg"));
        assert!(!counts_as_use("/healthz"));
        assert!(!counts_as_use("/metrics"));
    }
}
