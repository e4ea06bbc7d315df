//! Mailbox server functions over HTTP against the real router and the real mail stack:
//! only the owner changes a mailbox; a grantee is refused with 403; everyone else gets
//! 404, as if it did not exist; no response ever carries the password.

use crate::common;

use axum::http::StatusCode;
use common::{Client, app_trusting, signed_up};
use services::mail::tls::MailTrust;
use std::collections::HashMap;

fn stack_env() -> HashMap<String, String> {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/mail-stack/env");
    let mut env: HashMap<String, String> = std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.trim_matches('"').to_owned()))
        .collect();
    for key in [
        "MAILSTACK_HOST",
        "MAILSTACK_IMAPS_PORT",
        "MAILSTACK_SMTPS_PORT",
        "MAILSTACK_CA",
    ] {
        if let Ok(v) = std::env::var(key) {
            env.insert(key.to_owned(), v);
        }
    }
    env
}

fn id_of(json: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    value["id"].to_string()
}

#[tokio::test]
async fn owner_only_changes_grantees_get_403_strangers_get_404() {
    let env = stack_env();
    let ca = std::path::PathBuf::from(&env["MAILSTACK_CA"]);
    let app = app_trusting(MailTrust::new(Some(&ca)).unwrap()).await;
    let mut owner = signed_up(&app, "owner@acme.com").await;
    assert_eq!(
        owner.post("set_plan", &[("plan", "standard")]).await.0,
        StatusCode::OK
    );
    let mut member_ids = Vec::new();
    for email in ["grantee@acme.com", "stranger@acme.com"] {
        let (status, body) = owner
            .post(
                "add_member",
                &[
                    ("name", email),
                    ("email", email),
                    ("password", "member password"),
                    ("role", "member"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        member_ids.push(id_of(&body));
    }

    let host = env["MAILSTACK_HOST"].as_str();
    let (status, body) = owner
        .post(
            "check_mailbox",
            &[
                ("provider", "own_domain"),
                ("email", "alice@example.test"),
                ("password", "alice-pass-1"),
                ("imap_host", host),
                ("imap_port", env["MAILSTACK_IMAPS_PORT"].as_str()),
                ("imap_security", "tls"),
                ("smtp_host", host),
                ("smtp_port", env["MAILSTACK_SMTPS_PORT"].as_str()),
                ("smtp_security", "tls"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!body.contains("alice-pass-1"));
    let draft: String = serde_json::from_str(&body).unwrap();
    let (status, body) = owner
        .post(
            "connect_mailbox",
            &[
                ("draft", draft.as_str()),
                ("settings[sender_name]", "Owner"),
                ("settings[mailbox_name]", "Sales"),
                ("settings[access]", "shared"),
                ("settings[grantees][0]", member_ids[0].as_str()),
                ("settings[period]", "1m"),
                ("settings[folders][0]", "INBOX"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mailbox = body.trim().to_owned();
    let (_, details) = owner.post("mailbox_details", &[("id", &mailbox)]).await;
    assert!(
        details.contains("alice@example.test") && !details.contains("alice-pass-1"),
        "{details}"
    );

    let mut grantee = Client::new(&app);
    grantee
        .post(
            "log_in",
            &[
                ("email", "grantee@acme.com"),
                ("password", "member password"),
            ],
        )
        .await;
    let (_, list) = grantee.post("list_mailboxes", &[]).await;
    assert!(list.contains("alice@example.test"), "{list}");
    for (endpoint, form) in [
        ("mailbox_details", vec![("id", mailbox.as_str())]),
        ("disconnect_mailbox", vec![("id", mailbox.as_str())]),
        (
            "update_mailbox_password",
            vec![("id", mailbox.as_str()), ("password", "x")],
        ),
        (
            "update_mailbox",
            vec![
                ("id", mailbox.as_str()),
                ("settings[sender_name]", "Hijack"),
                ("settings[mailbox_name]", "Hijack"),
                ("settings[access]", "personal"),
                ("settings[period]", "7d"),
                ("settings[folders][0]", "INBOX"),
            ],
        ),
    ] {
        let (status, body) = grantee.post(endpoint, &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{endpoint}: {body}");
        assert!(body.contains("OwnerOnly"), "{body}");
    }
    // Reading and syncing are for every reader: the owner and grantees.
    let (status, progress) = grantee
        .post("sync_progress", &[("mailbox", &mailbox)])
        .await;
    assert_eq!(status, StatusCode::OK, "{progress}");
    let progress: serde_json::Value = serde_json::from_str(&progress).unwrap();
    let folder = progress["folders"][0]["id"].to_string();
    assert_eq!(progress["folders"][0]["name"], "INBOX");
    let reads = [
        ("sync_progress", vec![("mailbox", mailbox.as_str())]),
        (
            "message_list",
            vec![("mailbox", mailbox.as_str()), ("folder", folder.as_str())],
        ),
        ("sync_now", vec![("mailbox", mailbox.as_str())]),
        (
            "resync_from",
            vec![("mailbox", mailbox.as_str()), ("date", "2026-11-01")],
        ),
    ];
    for (endpoint, form) in &reads {
        let (status, body) = grantee.post(endpoint, form).await;
        if *endpoint == "resync_from" {
            // Sync now a moment ago: one request per mailbox every 30 s, whoever asks.
            assert_eq!(
                status,
                StatusCode::TOO_MANY_REQUESTS,
                "grantee {endpoint}: {body}"
            );
            assert!(body.contains("SyncCooldown"), "{body}");
        } else {
            assert_eq!(status, StatusCode::OK, "grantee {endpoint}: {body}");
        }
    }
    let (status, body) = grantee
        .post(
            "resync_from",
            &[("mailbox", &mailbox), ("date", "next week")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let mut anonymous = Client::new(&app);
    let (status, _) = anonymous.post("sync_now", &[("mailbox", &mailbox)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let mut stranger = Client::new(&app);
    stranger
        .post(
            "log_in",
            &[
                ("email", "stranger@acme.com"),
                ("password", "member password"),
            ],
        )
        .await;
    let mut outsider = signed_up(&app, "outsider@other.com").await;
    for client in [&mut stranger, &mut outsider] {
        let (_, list) = client.post("list_mailboxes", &[]).await;
        assert!(!list.contains("alice@example.test"), "{list}");
        for endpoint in ["mailbox_details", "disconnect_mailbox"] {
            let (status, body) = client.post(endpoint, &[("id", &mailbox)]).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{endpoint}: {body}");
        }
        for (endpoint, form) in &reads {
            let (status, body) = client.post(endpoint, form).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "stranger {endpoint}: {body}");
        }
    }
    let (_, details) = owner.post("mailbox_details", &[("id", &mailbox)]).await;
    assert!(
        details.contains("\"Sales\""),
        "nothing was changed by others: {details}"
    );
}
