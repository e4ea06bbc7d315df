//! Security headers on every response: a Content-Security-Policy with a fresh nonce per
//! request (the one Leptos puts on its hydration and resource scripts), no framing, no
//! MIME sniffing, same-origin referrers, no caching of pages and server-function answers,
//! and HSTS when the deployment is behind HTTPS. A response marked [`OwnPolicy`] (a
//! message's content for its sandboxed frame, a download) keeps its own stricter policy,
//! framing, referrer and caching headers.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, header},
    middleware::Next,
    response::Response,
};
use leptos::prelude::provide_context;
use std::sync::Arc;

/// This request's CSP nonce, carried in the request's extensions to the Leptos context.
#[derive(Clone, Debug)]
pub struct CspNonce(pub Arc<str>);

/// On a response: its Content-Security-Policy, X-Frame-Options, Referrer-Policy and
/// Cache-Control are its own (stricter than the pages') and are kept as they are.
#[derive(Clone, Copy, Debug)]
pub struct OwnPolicy;

#[derive(Clone, Debug)]
pub struct Policy {
    /// Send `Strict-Transport-Security` (the deployment says it is reached over HTTPS).
    pub hsts: bool,
    /// Origins of the configured OAuth2 sign-in pages, space-separated: the **Connect**
    /// form posts to us and is redirected there, and `form-action` covers redirects.
    pub sign_in_origins: std::sync::Arc<str>,
}

/// `Referrer-Policy: same-origin`, not `no-referrer`: a plain form post (JavaScript off)
/// is redirected back to its `Referer`, and with `no-referrer` browsers also send
/// `Origin: null`, which the same-origin guard would refuse.
const REFERRER_POLICY: &str = "same-origin";

pub async fn add(State(policy): State<Policy>, mut req: Request, next: Next) -> Response {
    let nonce = CspNonce(uuid::Uuid::new_v4().simple().to_string().into());
    let static_path = is_static_path(req.uri().path());
    req.extensions_mut().insert(nonce.clone());
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let no_store = !static_path || html;
    let own = res.extensions().get::<OwnPolicy>().is_some();
    let headers = res.headers_mut();
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if !own {
        set(
            headers,
            header::CONTENT_SECURITY_POLICY,
            &content_security_policy(&nonce, &policy.sign_in_origins),
        );
        set(headers, header::X_FRAME_OPTIONS, "DENY");
        set(headers, header::REFERRER_POLICY, REFERRER_POLICY);
    }
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if no_store && !own {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    if policy.hsts {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    res
}

/// Scripts: our own files, the nonce'd inline scripts Leptos writes (hydration start,
/// resolved resources) and WebAssembly compilation. Nothing else: no inline styles or
/// handlers, no plugins, no `<base>`, forms post only here (and on to the configured
/// sign-in pages they redirect to), and no framing.
pub fn content_security_policy(nonce: &CspNonce, sign_in_origins: &str) -> String {
    let form_targets = if sign_in_origins.is_empty() {
        String::new()
    } else {
        format!(" {sign_in_origins}")
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'{form_targets}; \
         frame-ancestors 'none'",
        nonce.0
    )
}

/// Built assets and public files (`/pkg/…`, `/favicon.svg`) are the same for everyone and
/// may be cached. Pages (any HTML, even a 404) and server functions carry user data:
/// never stored.
fn is_static_path(path: &str) -> bool {
    !path.starts_with("/api/")
        && (path.starts_with("/pkg/") || path.rsplit('/').next().is_some_and(|l| l.contains('.')))
}

fn set(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// Called in the Leptos context of every page and server function: makes this request's
/// nonce the one Leptos writes on its scripts (leptos_axum provides a random one first;
/// this replaces it with the one the header names).
pub fn provide_nonce_from_request() {
    let nonce = leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(value)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(value));
    }
}
