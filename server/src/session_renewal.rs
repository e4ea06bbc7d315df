//! Keeps a signed-in user's session alive while they use the app. The session expires after
//! fourteen days without a request (`router`), but tower-sessions pushes the expiry back, in
//! the store and in the cookie, only when the session's data changes; so once a day a
//! request of a signed-in user changes `RENEWED_AT`, and the session layer writes the new
//! expiry and sends the cookie again.

use crate::guards::is_file_or_probe;
use axum::{extract::Request, middleware::Next, response::Response};
use services::session_store::{RENEWED_AT, renewal_due, renewal_stamp, signed_in_user};
use tower_sessions::Session;

/// Pages and server functions count as use; files, health checks and metrics do not (and
/// need not read the session from the database).
pub async fn renew(session: Session, req: Request, next: Next) -> Response {
    if !is_file_or_probe(req.uri().path()) {
        renew_if_due(&session).await;
    }
    next.run(req).await
}

async fn renew_if_due(session: &Session) {
    // Only a signed-in session: a visitor's empty session stays unsaved.
    if signed_in_user(session).await.is_none() {
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
