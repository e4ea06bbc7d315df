//! Logs (`tracing`) and Prometheus metrics (`/metrics`).

use axum::{extract::Request, middleware::Next, response::Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
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
