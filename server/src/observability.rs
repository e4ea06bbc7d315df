//! Logs (`tracing`) and Prometheus metrics (`/metrics`: on `METRICS_ADDR` alone, or on
//! the main address behind `METRICS_TOKEN`, else not served).

use anyhow::Context;
use axum::{extract::Request, middleware::Next, response::Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use services::config::Config;
use std::net::SocketAddr;
use std::time::Instant;
use tracing_subscriber::fmt;

pub fn init_tracing(level: &str) {
    fmt()
        .with_env_filter(services::logging::filter(level))
        .init();
}

pub fn init_metrics() -> anyhow::Result<PrometheusHandle> {
    Ok(PrometheusBuilder::new().install_recorder()?)
}

/// Serves `/metrics` on `METRICS_ADDR` (a private interface or port), if set. Returns
/// the bound address.
pub async fn serve_metrics(
    config: &Config,
    metrics: PrometheusHandle,
) -> anyhow::Result<Option<SocketAddr>> {
    let Some(addr) = config.web.metrics_addr else {
        if config.web.metrics_token.is_none() {
            tracing::info!("/metrics is off: set METRICS_ADDR or METRICS_TOKEN to serve it");
        }
        return Ok(None);
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("Cannot listen on METRICS_ADDR {addr}"))?;
    let bound = listener.local_addr()?;
    let app: axum::Router = crate::router::metrics_router(config, metrics);
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::error!("metrics listener failed: {err}");
        }
    });
    tracing::info!("metrics on http://{bound}/metrics");
    Ok(Some(bound))
}

/// Counts requests and their latency by method, route group and status.
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let group = route_group(req.uri().path());
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let labels = [
        ("method", method),
        ("route", group.to_owned()),
        ("status", status),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// A low-cardinality label: server functions by name, assets together, pages together.
fn route_group(path: &str) -> &'static str {
    if path.starts_with("/api/") {
        "api"
    } else if path.starts_with("/pkg/") {
        "assets"
    } else if path == "/healthz" || path == "/metrics" {
        "ops"
    } else {
        "page"
    }
}
