//! The web side's defences over HTTP against the real router (issue 8 §4): security
//! headers with a per-request CSP nonce that matches every script Leptos writes, HSTS and
//! Secure cookies behind HTTPS, `/metrics` never public, request bodies bounded per
//! endpoint (413), and malformed server-function input answered with 400 and a message.

use crate::support;

use axum::{
    Router,
    body::{Body, Bytes},
    http::{Request, StatusCode, header},
};
use http_body_util::{BodyExt, Full};
use services::{config::WebConfig, mail::tls::MailTrust};
use std::time::Duration;
use support::TestApp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("id="))
            .map(str::to_owned)
    }
}

async fn send(app: &Router, req: Request<Body>) -> Reply {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut req = Request::get(path).header(header::HOST, "127.0.0.1:3000");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    req.body(Body::empty()).unwrap()
}

fn post(endpoint: &str, cookie: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut req = Request::post(format!("/api/{endpoint}"))
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c.split(';').next().unwrap());
    }
    req.body(body.into()).unwrap()
}

async fn plain_app() -> TestApp {
    support::app(MailTrust::new(None).unwrap(), WebConfig::default(), false).await
}

/// Signs up a workspace admin; returns the session cookie.
async fn sign_up(app: &Router, email: &str) -> String {
    let form = support::form_body(&[
        ("workspace_name", "WS"),
        ("name", "Admin"),
        ("email", email),
        ("password", "long password"),
        ("language", "en"),
    ]);
    let reply = send(app, post("sign_up", None, form)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.session_cookie().expect("session cookie")
}

/// The nonce the Content-Security-Policy names.
fn csp_nonce(csp: &str) -> String {
    let start = csp.find("'nonce-").expect("a nonce in the CSP") + "'nonce-".len();
    csp[start..].split('\'').next().unwrap().to_owned()
}

/// Every script of the page that can run carries exactly `nonce="<nonce>"`. (leptos_i18n
/// writes an empty `<script></script>` placeholder: an inline script with no text is never
/// run, nor checked against the policy.)
fn assert_scripts_carry(body: &str, nonce: &str) {
    let mut runnable = 0;
    for (i, _) in body.match_indices("<script") {
        let tag_end = i + body[i..].find('>').unwrap();
        let tag = &body[i..tag_end];
        let text_end = tag_end + body[tag_end..].find("</script>").unwrap();
        if !tag.contains(" src=") && body[tag_end + 1..text_end].trim().is_empty() {
            continue;
        }
        runnable += 1;
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "{tag} lacks the nonce {nonce}"
        );
    }
    assert!(
        runnable >= 2,
        "the hydration and resource scripts are missing"
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_a_fresh_nonce() {
    let app = plain_app().await.router;
    let cookie = sign_up(&app, "headers@example.com").await;
    let mut nonces = Vec::new();
    // A public page, signed-in pages (with resources resolved into nonce'd scripts),
    // a page that does not exist.
    for (path, cookie, status) in [
        ("/login", None, StatusCode::OK),
        ("/mail", Some(cookie.as_str()), StatusCode::OK),
        ("/plan", Some(cookie.as_str()), StatusCode::OK),
        (
            "/no/such/page",
            Some(cookie.as_str()),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let reply = send(&app, get(path, cookie)).await;
        assert_eq!(reply.status, status, "{path}");
        if status == StatusCode::NOT_FOUND {
            // The page says what happened in the tab's title too.
            assert!(
                reply.body.contains("<title>Page not found · Mail</title>"),
                "{}",
                reply.body
            );
        }
        let csp = reply.header("content-security-policy").expect("CSP");
        for directive in [
            "default-src 'self'",
            "script-src 'self' 'nonce-",
            "'wasm-unsafe-eval'",
            "style-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(
                csp.contains(directive),
                "{path}: {directive} missing in {csp}"
            );
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let nonce = csp_nonce(csp);
        assert_scripts_carry(&reply.body, &nonce);
        assert!(!reply.body.contains(" style=\""), "{path}: an inline style");
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(reply.header("x-frame-options"), Some("DENY"));
        assert_eq!(reply.header("referrer-policy"), Some("same-origin"));
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{path}");
        assert_eq!(reply.header("strict-transport-security"), None);
        nonces.push(nonce);
    }
    let mut unique = nonces.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), nonces.len(), "a nonce was reused: {nonces:?}");
    assert!(nonces.iter().all(|n| n.len() >= 22), "{nonces:?}");

    // Server-function answers are never cached either; a redirect carries the headers.
    let reply = send(&app, post("current_user", Some(&cookie), "")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(reply.header("content-security-policy").is_some());
    let reply = send(&app, get("/mail", None)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    // A public file may be cached.
    let reply = send(&app, get("/favicon.svg", None)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_ne!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn behind_https_the_app_sends_hsts_and_secure_cookies() {
    let plain = plain_app().await.router;
    let cookie = sign_up(&plain, "plain@example.com").await;
    assert!(!cookie.contains("Secure"), "{cookie}");

    for (web, cookie_secure) in [
        (
            WebConfig {
                public_url: Some("https://mail.example.com".into()),
                ..WebConfig::default()
            },
            false,
        ),
        (WebConfig::default(), true),
    ] {
        let app = support::app(MailTrust::new(None).unwrap(), web, cookie_secure)
            .await
            .router;
        let reply = send(&app, get("/login", None)).await;
        assert_eq!(
            reply.header("strict-transport-security"),
            Some("max-age=31536000; includeSubDomains")
        );
        let cookie = sign_up(&app, "tls@example.com").await;
        assert!(cookie.contains("Secure"), "{cookie}");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
    }
}

#[tokio::test]
async fn metrics_are_served_only_on_their_own_address_or_with_the_token() {
    // Default: not on the public address at all.
    let app = plain_app().await.router;
    let reply = send(&app, get("/metrics", None)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(!reply.body.contains("http_requests_total"));

    // METRICS_TOKEN: a bearer token on the public address.
    let token = "s3cret-metrics-token";
    let app = support::app(
        MailTrust::new(None).unwrap(),
        WebConfig {
            metrics_token: Some(token.into()),
            ..WebConfig::default()
        },
        false,
    )
    .await
    .router;
    for auth in [
        None,
        Some("Bearer wrong"),
        Some("Bearer s3cret-metrics-toke"),
        Some(token),
    ] {
        let mut req = Request::get("/metrics").header(header::HOST, "127.0.0.1:3000");
        if let Some(a) = auth {
            req = req.header(header::AUTHORIZATION, a);
        }
        let reply = send(&app, req.body(Body::empty()).unwrap()).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{auth:?}");
    }
    let req = Request::get("/metrics")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, req).await.status, StatusCode::OK);

    // METRICS_ADDR: a listener of its own; the public address does not serve them.
    let web = WebConfig {
        metrics_addr: Some("127.0.0.1:0".parse().unwrap()),
        ..WebConfig::default()
    };
    let test_app = support::app(MailTrust::new(None).unwrap(), web, false).await;
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .build_recorder()
        .handle();
    let addr = server::observability::serve_metrics(&test_app.config, metrics)
        .await
        .unwrap()
        .expect("a metrics listener");
    let reply = support::get(addr, "/metrics", None).await.unwrap();
    assert_eq!(reply.status, 200);
    let reply = send(&test_app.router, get("/metrics", None)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn request_bodies_over_the_endpoint_limit_get_413() {
    let app = plain_app().await.router;
    let limit = server::guards::BODY_LIMIT;
    // Just under the limit: the function runs (and refuses the odd email itself).
    let under = format!("email={}&password=long+password", "a".repeat(limit - 100));
    let reply = send(&app, post("log_in", None, under)).await;
    assert_ne!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Over it, declared by Content-Length or not (a chunked body): 413.
    let over = format!("email={}&password=x", "a".repeat(limit));
    let mut req = post("log_in", None, over.clone());
    req.headers_mut().insert(
        header::CONTENT_LENGTH,
        over.len().to_string().parse().unwrap(),
    );
    let reply = send(&app, req).await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("64 KB"), "{}", reply.body);
    let unsized_body = Body::new(Full::new(Bytes::from(over)).map_frame(|f| f));
    let reply = send(&app, post("sign_up", None, unsized_body)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    // The wizard's settings (a folder list) may be larger; still bounded.
    let large = format!("draft={}", "x".repeat(2 * limit));
    let reply = send(&app, post("connect_mailbox", None, large)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("settings"), "{}", reply.body);
    let huge = "a".repeat(server::guards::SETTINGS_BODY_LIMIT + 1);
    let reply = send(&app, post("connect_mailbox", None, huge)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);

    // Over a real socket: a 100 MB Content-Length is refused before any of it is sent.
    let addr = support::serve(app).await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            b"POST /api/log_in HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000000\r\n\r\n",
        )
        .await
        .unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .expect("an answer without the body")
        .unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
}

#[tokio::test]
async fn malformed_server_function_input_answers_400_with_a_message() {
    let app = plain_app().await.router;
    let cookie = sign_up(&app, "input@example.com").await;
    for (endpoint, body, mentions) in [
        ("resync_from", "mailbox=1", "date"),
        ("resync_from", "date=2024-01-01", "mailbox"),
        ("sync_now", "", "mailbox"),
        ("sync_progress", "mailbox=abc", "invalid digit"),
        ("message_list", "mailbox=1&folder=x2", "invalid digit"),
        ("disconnect_mailbox", "id=x1", "invalid digit"),
        ("set_language", "", "language"),
        ("add_member", "name=M&email=m%40example.com", "password"),
    ] {
        let reply = send(&app, post(endpoint, Some(&cookie), body)).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{endpoint} {body}: {}",
            reply.body
        );
        let err: app::error::AppError = serde_json::from_str(&reply.body).unwrap();
        let app::error::AppError::Invalid { field, reason } = err else {
            panic!("{endpoint}: {}", reply.body)
        };
        assert_eq!(field, "arguments");
        assert!(reason.contains(mentions), "{endpoint}: {reason}");
    }
    // Anonymous calls are decoded first, too.
    let reply = send(&app, post("log_in", None, "email=a%40b.c")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("password"), "{}", reply.body);
    // Errors of our own keep their status.
    let reply = send(&app, post("sync_now", Some(&cookie), "mailbox=999")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    // A plain HTML form (JavaScript off) is still sent back to the form with the error.
    let mut req = post("resync_from", Some(&cookie), "mailbox=1");
    req.headers_mut()
        .insert(header::ACCEPT, "text/html".parse().unwrap());
    req.headers_mut().insert(
        header::REFERER,
        "http://127.0.0.1:3000/mail".parse().unwrap(),
    );
    let reply = send(&app, req).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert!(
        reply
            .header("location")
            .is_some_and(|l| l.starts_with("http://127.0.0.1:3000/mail")),
        "{:?}",
        reply.header("location")
    );
}
