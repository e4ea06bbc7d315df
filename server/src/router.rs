//! The axum router: Leptos pages and server functions, health and metrics, and the layers
//! around them, outside-in: tracing → metrics → security headers (CSP nonce) → the status
//! of server-function input errors → body limit → session → same-origin guard → session
//! renewal → sign-in gate. A message's content for the reading frame, its attachments and
//! inline images are plain axum routes (`message_content`) under the same layers. Draft
//! attachment uploads (`draft_attachments`) stream their bodies, so they skip the
//! body-buffering layer and carry their own limit; the session, same-origin, renewal and
//! sign-in layers wrap them as they wrap everything else.

use crate::{
    api_status, draft_attachments, guards, message_content, observability, security_headers,
    session_renewal, sign_in,
};
use app::{App, shell};
use axum::{
    Router,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware,
    response::IntoResponse,
    routing::get,
};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use metrics_exporter_prometheus::PrometheusHandle;
use services::{AppState, config::Config, session_store::DbSessionStore};
use std::sync::Arc;
use tower_http::{
    compression::{CompressionLayer, Predicate},
    services::ServeDir,
    trace::TraceLayer,
};
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};

pub fn build(config: &Config, state: AppState, metrics: PrometheusHandle) -> Router {
    let options = LeptosOptions::builder()
        .output_name("app")
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(config.bind_addr)
        .build();
    let routes = generate_route_list(App);
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_secure(config.behind_https())
        .with_same_site(SameSite::Lax)
        .with_http_only(true)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(14)));
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            security_headers::provide_nonce_from_request();
        }
    };
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .merge(message_content::routes(config, &state))
        .merge(sign_in::routes(&state));
    // On its own address when METRICS_ADDR is set; here only behind METRICS_TOKEN.
    if config.web.metrics_addr.is_none() && config.web.metrics_token.is_some() {
        router = router.merge(metrics_router(config, metrics));
    }
    let headers = security_headers::Policy {
        hsts: config.behind_https(),
        sign_in_origins: sign_in_origins(config).into(),
    };
    // Uploads: not under `bound_body` (which buffers), bounded by their own limit.
    let uploads = draft_attachments::routes(&state)
        .layer(middleware::from_fn(guards::require_sign_in))
        .layer(middleware::from_fn(session_renewal::renew))
        .layer(middleware::from_fn(guards::same_origin))
        .layer(sessions.clone());
    router
        .leptos_routes_with_context(&options, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .nest_service("/pkg", built_assets(&config.site_root))
        .fallback(leptos_axum::file_and_error_handler_with_context(
            context, shell,
        ))
        .layer(middleware::from_fn(guards::require_sign_in))
        .layer(middleware::from_fn(session_renewal::renew))
        .layer(middleware::from_fn(guards::same_origin))
        .layer(sessions)
        .layer(middleware::from_fn(guards::bound_body))
        .merge(uploads)
        .layer(middleware::from_fn(api_status::fit))
        .layer(middleware::from_fn_with_state(
            headers,
            security_headers::add,
        ))
        .layer(middleware::from_fn(observability::track))
        .layer(TraceLayer::new_for_http())
        .layer(static_compression())
        .with_state(options)
}

/// The built bundle, `/pkg/…`: a browser that accepts brotli or gzip gets the `.br` or
/// `.gz` file `scripts/build` wrote beside each asset (brotli at its best quality for the
/// optimised builds), so no page load spends the server's CPU compressing a megabyte of
/// wasm. Without them (an asset put there by hand), `static_compression` gzips as before.
/// leptos_axum's file handler would pick them too; this route keeps it to `pkg/` and tells
/// caches that what is sent depends on `Accept-Encoding`.
fn built_assets(site_root: &std::path::Path) -> Router {
    let files = ServeDir::new(site_root.join("pkg"))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(middleware::map_response(vary_on_encoding))
}

async fn vary_on_encoding(mut res: axum::response::Response) -> axum::response::Response {
    res.headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    res
}

/// Gzip for the built assets (the wasm bundle is about a third of its size gzipped), by
/// content type only: pages and answers that carry per-user data stay uncompressed, so a
/// reflected guess cannot be measured through the compressed length (BREACH).
fn static_compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new().gzip(true).compress_when(
        |_, _, headers: &HeaderMap, _: &axum::http::Extensions| {
            headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| {
                    [
                        "application/wasm",
                        "text/javascript",
                        "application/javascript",
                        "text/css",
                    ]
                    .iter()
                    .any(|kind| t.starts_with(kind))
                })
        },
    )
}

/// `GET /metrics` (Prometheus text), behind `Authorization: Bearer <METRICS_TOKEN>` when
/// a token is configured.
pub fn metrics_router<S: Clone + Send + Sync + 'static>(
    config: &Config,
    metrics: PrometheusHandle,
) -> Router<S> {
    let token: Option<Arc<str>> = config.web.metrics_token.as_deref().map(Arc::from);
    Router::new().route(
        "/metrics",
        get(move |headers: HeaderMap| {
            let allowed = token
                .as_deref()
                .is_none_or(|token| bearer_matches(&headers, token));
            let body = allowed.then(|| metrics.render());
            async move {
                match body {
                    Some(text) => (StatusCode::OK, text).into_response(),
                    None => (
                        StatusCode::UNAUTHORIZED,
                        [(header::WWW_AUTHENTICATE, "Bearer")],
                        "A metrics token is required",
                    )
                        .into_response(),
                }
            }
        }),
    )
}

/// The `Authorization: Bearer` value equals `token`, compared in constant time.
fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let (a, b) = (given.as_bytes(), token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The origins of the configured sign-in pages (`scheme://host[:port]`).
fn sign_in_origins(config: &Config) -> String {
    config
        .oauth
        .providers
        .iter()
        .filter_map(|p| origin(&p.authorize_url))
        .collect::<Vec<_>>()
        .join(" ")
}

fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty() && !authority.contains(['\'', ';', ' ']))
        .then(|| format!("{scheme}://{authority}"))
}

async fn healthz() -> &'static str {
    "ok"
}

#[cfg(test)]
mod sign_in_origin_tests {
    use super::origin;

    #[test]
    fn form_action_gets_only_the_sign_in_pages_origin() {
        assert_eq!(
            origin("https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?x=1")
                .as_deref(),
            Some("https://login.microsoftonline.com")
        );
        assert_eq!(
            origin("http://127.0.0.1:10080/authorize").as_deref(),
            Some("http://127.0.0.1:10080")
        );
        assert_eq!(origin("https://a.example; script-src *"), None);
        assert_eq!(origin("no-scheme"), None);
    }
}
