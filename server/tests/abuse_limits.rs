//! Hostile input over HTTP against the real router: every field is bounded (400 naming
//! the field), the throttle table stays small whatever emails arrive, an attacker's
//! address is throttled while the owner logs in from theirs, and sign-up, the mailbox
//! check and password changes are throttled (429 with `Retry-After`).

use crate::common;

use axum::http::StatusCode;
use common::{Client, app_and_state, app_configured, signed_up_from};
use services::{mail::tls::MailTrust, throttle::Throttles};
use std::sync::Arc;

fn trust() -> MailTrust {
    MailTrust::new(None).unwrap()
}

/// The throttle table's clock stands still, so the waits a test sees are exact (the first
/// per-address wait, 1 s, cannot lapse mid-test on a slow machine).
async fn frozen_app() -> (axum::Router, services::AppState) {
    app_configured(trust(), |s| {
        s.throttles = Arc::new(Throttles::default().with_frozen_clock())
    })
    .await
}

fn assert_invalid(reply: (StatusCode, String), field: &str, reason: &str) {
    let (status, body) = reply;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["Invalid"]["field"], field, "{body}");
    assert_eq!(json["Invalid"]["reason"], reason, "{body}");
}

#[tokio::test]
async fn oversize_fields_answer_400_naming_the_field_and_keep_nothing() {
    let (app, state) = app_and_state(trust()).await;
    let mut anon = Client::from(&app, "198.51.100.1");
    let long_email = format!("{}@example.com", "a".repeat(10_000));
    assert_invalid(
        anon.post("log_in", &[("email", &long_email), ("password", "pw")])
            .await,
        "email",
        "too_long",
    );
    assert_invalid(
        anon.post(
            "log_in",
            &[("email", "a@example.com"), ("password", &"p".repeat(1025))],
        )
        .await,
        "password",
        "too_long",
    );
    assert!(state.throttles.is_empty(), "refused input was counted");
    let sign_up = |name: String, email: String, password: String| {
        vec![
            ("workspace_name".to_owned(), "WS".to_owned()),
            ("name".to_owned(), name),
            ("email".to_owned(), email),
            ("password".to_owned(), password),
            ("language".to_owned(), "en".to_owned()),
        ]
    };
    for (form, field, reason) in [
        (
            sign_up(
                "N".repeat(121),
                "n@example.com".into(),
                "long password".into(),
            ),
            "name",
            "too_long",
        ),
        (
            sign_up("N".into(), long_email.clone(), "long password".into()),
            "email",
            "too_long",
        ),
        (
            sign_up("N".into(), "n@example.com".into(), "p".repeat(1025)),
            "password",
            "too_long",
        ),
    ] {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_invalid(
            Client::from(&app, "198.51.100.2")
                .post("sign_up", &form)
                .await,
            field,
            reason,
        );
    }

    let mut admin = signed_up_from(&app, "admin@example.com", Some("198.51.100.3")).await;
    assert_invalid(
        admin
            .post(
                "add_member",
                &[
                    ("name", "M"),
                    ("email", &long_email),
                    ("password", "member password"),
                    ("role", "member"),
                ],
            )
            .await,
        "email",
        "too_long",
    );
    let long_host = "h".repeat(254);
    let check = |host: &'static str, port: &'static str| {
        vec![
            ("provider", "own_domain"),
            ("email", "olena@example.com"),
            ("password", "app password"),
            ("imap_host", host),
            ("imap_port", port),
            ("smtp_host", "smtp.example.com"),
            ("smtp_port", "465"),
        ]
    };
    let mut form = check("imap.example.com", "993");
    form[3].1 = &long_host;
    assert_invalid(
        admin.post("check_mailbox", &form).await,
        "imap_host",
        "too_long",
    );
    assert_invalid(
        admin
            .post("check_mailbox", &check("imap.example.com", "0"))
            .await,
        "imap_port",
        "format",
    );
    assert_invalid(
        admin
            .post("check_mailbox", &check("imap.example.com", "99999"))
            .await,
        "imap_port",
        "format",
    );
    let long_username = "u".repeat(255);
    let mut form = check("imap.example.com", "993");
    form.push(("smtp_username", &long_username));
    assert_invalid(
        admin.post("check_mailbox", &form).await,
        "smtp_username",
        "too_long",
    );

    // 1001 folders and 1001 grantees: refused before the draft is even looked up.
    let names: Vec<(String, String)> = (0..1001)
        .map(|n| (format!("settings[folders][{n}]"), format!("F{n}")))
        .collect();
    let mut form: Vec<(&str, &str)> = vec![
        ("draft", "0123456789abcdef0123456789abcdef"),
        ("settings[sender_name]", "S"),
        ("settings[mailbox_name]", "M"),
        ("settings[period]", "1m"),
    ];
    form.extend(names.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    assert_invalid(
        admin.post("connect_mailbox", &form).await,
        "folders",
        "too_many",
    );
    let ids: Vec<(String, String)> = (0..1001)
        .map(|n| (format!("settings[grantees][{n}]"), n.to_string()))
        .collect();
    let mut form: Vec<(&str, &str)> = vec![
        ("draft", "0123456789abcdef0123456789abcdef"),
        ("settings[sender_name]", "S"),
        ("settings[mailbox_name]", "M"),
        ("settings[access]", "shared"),
        ("settings[period]", "1m"),
        ("settings[folders][0]", "INBOX"),
    ];
    form.extend(ids.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    assert_invalid(
        admin.post("connect_mailbox", &form).await,
        "grantees",
        "too_many",
    );
    let (status, body) = admin
        .post("load_draft", &[("id", &"x".repeat(10_000))])
        .await;
    assert_eq!(status, StatusCode::GONE, "{body}");
}

/// Before: 20 log-ins with unique 1.9 MB emails grew the server by 134 MB for good (a
/// limiter key per raw email). Now 10,000 unique emails leave 41 small entries.
#[tokio::test]
async fn ten_thousand_unique_emails_leave_the_throttle_table_small() {
    let (app, state) = frozen_app().await;
    let mut client = Client::from(&app, "203.0.113.77");
    let (mut refused, mut throttled) = (0, 0);
    for n in 0..10_000 {
        let email = format!("visitor{n}@example.com");
        let reply = client
            .post_full("log_in", &[("email", &email), ("password", "guess")])
            .await;
        match reply.status {
            StatusCode::UNAUTHORIZED => refused += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                throttled += 1;
                assert!(reply.retry_after.is_some_and(|s| s >= 1), "no Retry-After");
            }
            other => panic!("{n}: {other} {}", reply.body),
        }
    }
    assert_eq!((refused, throttled), (20, 9_980));
    assert_eq!(state.throttles.len(), 41);
}

#[tokio::test]
async fn the_owner_logs_in_while_the_attackers_address_waits() {
    let (app, _) = frozen_app().await;
    signed_up_from(&app, "owner@example.com", Some("198.51.100.10")).await;
    let mut attacker = Client::from(&app, "203.0.113.7");
    for _ in 0..5 {
        let (status, _) = attacker
            .post(
                "log_in",
                &[("email", "owner@example.com"), ("password", "guess")],
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let reply = attacker
        .post_full(
            "log_in",
            &[
                ("email", "owner@example.com"),
                ("password", "long password"),
            ],
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    assert_eq!(reply.retry_after, Some(15));
    assert!(reply.body.contains("RateLimited"), "{}", reply.body);
    assert!(attacker.cookie.is_none());

    let mut owner = Client::from(&app, "198.51.100.11");
    let (status, body) = owner
        .post(
            "log_in",
            &[
                ("email", "owner@example.com"),
                ("password", "long password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(owner.post("current_user", &[]).await.0, StatusCode::OK);
}

/// Behind a proxy (`TRUST_PROXY_HEADERS`) the client is the rightmost X-Forwarded-For
/// entry; without it the header is ignored, so a client cannot pick its own address.
#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    for trusted in [true, false] {
        let (app, _) = app_configured(trust(), |s| {
            s.trust_proxy_headers = trusted;
            s.throttles = Arc::new(Throttles::default().with_frozen_clock());
        })
        .await;
        signed_up_from(&app, "owner@example.com", Some("198.51.100.20")).await;
        let post = |xff: &'static str, password: &'static str| {
            let app = app.clone();
            async move {
                let req = axum::http::Request::post("/api/log_in")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("host", "127.0.0.1:3000")
                    .header("x-forwarded-for", xff)
                    .extension(axum::extract::ConnectInfo(
                        "10.0.0.1:40000".parse::<std::net::SocketAddr>().unwrap(),
                    ))
                    .body(axum::body::Body::from(format!(
                        "email=owner%40example.com&password={password}"
                    )))
                    .unwrap();
                tower::ServiceExt::oneshot(app, req).await.unwrap().status()
            }
        };
        // Five failures, each claiming another address; the last hop is the attacker's.
        for xff in [
            "1.1.1.1, 203.0.113.7",
            "2.2.2.2, 203.0.113.7",
            "3.3.3.3, 203.0.113.7",
            "4.4.4.4, 203.0.113.7",
            "5.5.5.5, 203.0.113.7",
        ] {
            assert_eq!(post(xff, "guess").await, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(
            post("6.6.6.6, 203.0.113.7", "guess").await,
            StatusCode::TOO_MANY_REQUESTS
        );
        let owner = post("198.51.100.21", "long+password").await;
        if trusted {
            // The owner behind the same proxy is told apart by the proxy's entry.
            assert_eq!(owner, StatusCode::OK);
        } else {
            // Untrusted, everyone behind 10.0.0.1 is one address: a proxy needs the setting.
            assert_eq!(owner, StatusCode::TOO_MANY_REQUESTS);
        }
    }
}

#[tokio::test]
async fn sign_up_mailbox_check_and_password_change_are_throttled() {
    let (app, _) = frozen_app().await;
    // Sign-up: five per address, then a wait; another address is not affected.
    for n in 0..5 {
        signed_up_from(&app, &format!("new{n}@example.com"), Some("203.0.113.30")).await;
    }
    let form = [
        ("workspace_name", "WS"),
        ("name", "N"),
        ("email", "new5@example.com"),
        ("password", "long password"),
        ("language", "en"),
    ];
    let reply = Client::from(&app, "203.0.113.30")
        .post_full("sign_up", &form)
        .await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    assert_eq!(reply.retry_after, Some(60));
    let mut user = signed_up_from(&app, "checker@example.com", Some("198.51.100.30")).await;

    // The login check: each call reaches a real server (here a closed loopback port, or
    // the address policy refusing it): ten per user, then a wait.
    let check = [
        ("provider", "own_domain"),
        ("email", "olena@example.com"),
        ("password", "app password"),
        ("imap_host", "127.0.0.1"),
        ("imap_port", "1"),
        ("smtp_host", "127.0.0.1"),
        ("smtp_port", "1"),
    ];
    for n in 0..10 {
        let (status, body) = user.post("check_mailbox", &check).await;
        assert_ne!(status, StatusCode::TOO_MANY_REQUESTS, "{n}: {body}");
        assert_ne!(status, StatusCode::OK, "{n}: {body}");
    }
    let reply = user.post_full("check_mailbox", &check).await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    assert_eq!(reply.retry_after, Some(30));

    // A new mailbox password is checked by a real login too: five per user.
    for _ in 0..5 {
        let (status, body) = user
            .post(
                "update_mailbox_password",
                &[("id", "999999"), ("password", "new app password")],
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
    let reply = user
        .post_full(
            "update_mailbox_password",
            &[("id", "999999"), ("password", "new app password")],
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    assert_eq!(reply.retry_after, Some(60));
}
