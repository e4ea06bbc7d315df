//! The axum router: Leptos pages and server functions, health and metrics, and the layers
//! (sessions, guards, tracing) around them.

use crate::{guards, observability};
use app::{App, shell};
use axum::{Router, middleware, routing::get};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use metrics_exporter_prometheus::PrometheusHandle;
use services::{AppState, config::Config, session_store::DbSessionStore};
use tower_http::trace::TraceLayer;
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
        .with_secure(config.cookie_secure)
        .with_same_site(SameSite::Lax)
        .with_http_only(true)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(14)));
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/metrics",
            get(move || std::future::ready(metrics.render())),
        )
        .leptos_routes_with_context(&options, routes, context, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .layer(middleware::from_fn(guards::require_sign_in))
        .layer(middleware::from_fn(guards::same_origin))
        .layer(sessions)
        .layer(middleware::from_fn(observability::track))
        .layer(TraceLayer::new_for_http())
        .with_state(options)
}

async fn healthz() -> &'static str {
    "ok"
}
