//! The HTTP status of a server function that failed before our code ran.
//!
//! server_fn answers every error it raises itself — arguments that do not decode, a
//! missing field — with a fixed 500 (`Res::error_response`) and the encoded error as the
//! body, marked by the `serverfnerror` header; our own failures set their status through
//! `ResponseOptions` (app::api::context::fail), which never runs for those. The body is our
//! typed `AppError` (`AppError::from_server_fn_error` turns bad arguments into `Invalid`),
//! so this layer gives such a response the status the error itself names: 400 for bad
//! input, 500 only for what really is our fault.

use app::error::AppError;
use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::Response,
};
use leptos::server_fn::{Decodes, error::FromServerFnError, error::SERVER_FN_ERROR_HEADER};

/// Our error bodies are a few hundred bytes; anything larger is left as it is.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

pub async fn fit(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    if !is_api
        || res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body, ERROR_BODY_LIMIT).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let decoded: Result<AppError, _> =
        <AppError as FromServerFnError>::Encoder::decode(bytes.clone());
    if let Ok(err) = decoded {
        parts.status = StatusCode::from_u16(err.status()).unwrap_or(parts.status);
        if parts.status.is_client_error() {
            tracing::info!(error = %err, "server function refused its input");
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
