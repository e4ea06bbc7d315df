//! A message's content, attachments and inline images over HTTP against the real router
//! and the real Dovecot: the frame's page under its own strict policy, attachments
//! byte-exact (300 KB of binary, a Cyrillic name; a text part in its original charset)
//! with download headers that cannot run anything, an inline `cid:` image, and the
//! access matrix (owner and grantee 200, a stranger in the workspace and another
//! workspace's user 404, signed out sent to log in).

use crate::common;
use crate::support;

use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Request, StatusCode, header},
};
use common::{Client, app_and_state};
use domain::{Access, Language, MailboxSettings, Plan, Provider, Role, Security, ServerAddress};
use http_body_util::BodyExt;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use services::{
    AppState,
    accounts::{self, Actor, NewMember, SignUp},
    entities::message,
    mail::{
        login::{CheckOptions, Login, open_session},
        tls::MailTrust,
    },
    mailboxes::{self, ConnectRequest},
    plan,
    sync::{SyncEngine, schedule::Outcome},
};
use tower::ServiceExt;

const PASSWORD: &str = "reader password";
const CID: &str = "pic@reading.test";
const BINARY_NAME: &str = "Звіт за листопад 2026.bin";

/// `len` reproducible pseudo-random bytes (xorshift64).
fn seeded_bytes(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn base64_lines(bytes: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (n, chunk) in bytes.chunks(3).enumerate() {
        if n > 0 && n % 19 == 0 {
            out.push_str("\r\n");
        }
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(v >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn quoted_printable(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b'\r' | b'\n' => (b as char).to_string(),
            b' '..=b'~' if b != b'=' => (b as char).to_string(),
            _ => format!("={b:02X}"),
        })
        .collect()
}

/// The PNG of the inline image (a 1×1 pixel).
fn png() -> Vec<u8> {
    let hex = "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d\
               4944415478da63f8cfc0f01f0005000201ff4c8b6f0000000049454e44ae426082";
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// The text attachment's original bytes: windows-1251, no final line break.
const CP1251_TEXT: &[u8] = b"<script>alert(1)</script>\r\n\xd0\xe0\xf5\xf3\xed\xee\xea 114";

fn message(binary: &[u8]) -> Vec<u8> {
    format!(
        "From: Olena <olena@supplier.test>\r\nTo: reader@example.test\r\n\
         Subject: Report with attachments\r\nDate: Mon, 30 Nov 2026 08:00:00 +0000\r\n\
         Message-ID: <report-114@supplier.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"mixed\"\r\n\r\n\
         --mixed\r\nContent-Type: multipart/related; boundary=\"related\"\r\n\r\n\
         --related\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <p>Report attached.</p><img src=\"cid:{CID}\" alt=\"pic\">\
         <img src=\"https://tracker.test/p.gif\"><script>alert(1)</script>\r\n\
         --related\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\
         Content-ID: <{CID}>\r\nContent-Disposition: inline\r\n\r\n{}\r\n--related--\r\n\
         --mixed\r\nContent-Type: application/x-msdownload\r\n\
         Content-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename*=UTF-8''{}\r\n\r\n{}\r\n\
         --mixed\r\nContent-Type: text/html; charset=windows-1251\r\n\
         Content-Transfer-Encoding: quoted-printable\r\n\
         Content-Disposition: attachment; filename*=UTF-8''..%5Cevil%22name.html\r\n\r\n\
         {}\r\n--mixed--\r\n",
        base64_lines(&png()),
        "%D0%97%D0%B2%D1%96%D1%82%20%D0%B7%D0%B0%20%D0%BB%D0%B8%D1%81%D1%82%D0%BE%D0%BF%D0%B0%D0%B4%202026.bin",
        base64_lines(binary),
        quoted_printable(CP1251_TEXT),
    )
    .into_bytes()
}

/// GET over the real router: status, headers, body bytes.
async fn get(app: &Router, path: &str, cookie: Option<&str>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut req = Request::get(path).header(header::HOST, "127.0.0.1:3000");
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, cookie);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, bytes)
}

fn header_of<'h>(headers: &'h HeaderMap, name: &str) -> &'h str {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no {name} header"))
}

async fn user(db: &sea_orm::DatabaseConnection, admin: Option<&Actor>, email: &str) -> Actor {
    let id = match admin {
        None => {
            let sign_up = SignUp {
                workspace_name: format!("WS {email}"),
                name: "Admin".into(),
                email: email.into(),
                password: PASSWORD.into(),
                language: Language::En,
            };
            accounts::sign_up(db, sign_up).await.unwrap().id
        }
        Some(admin) => {
            let new = NewMember {
                name: email.into(),
                email: email.into(),
                password: PASSWORD.into(),
                role: Role::Member,
            };
            accounts::add_member(db, admin, new).await.unwrap().id
        }
    };
    Actor::load(db, id).await.unwrap()
}

async fn signed_in(app: &Router, email: &str) -> String {
    let mut client = Client::new(app);
    let (status, body) = client
        .post("log_in", &[("email", email), ("password", PASSWORD)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    client.cookie.unwrap()
}

/// A shared mailbox on a fresh Dovecot user holding [`message`], synced.
async fn mailbox_with_report(state: &AppState, owner: &Actor, grantee: &Actor, binary: &[u8]) {
    let env = support::stack_env();
    let name = format!("reader{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let (email, password) = (format!("{name}@example.test"), format!("{name}-pass-1"));
    support::mail_stack(&["add-user", &email, &password]);
    let imap = ServerAddress {
        host: env["MAILSTACK_HOST"].clone(),
        port: env["MAILSTACK_IMAPS_PORT"].parse().unwrap(),
        security: Security::Tls,
    };
    let smtp = ServerAddress {
        port: env["MAILSTACK_SMTPS_PORT"].parse().unwrap(),
        ..imap.clone()
    };
    let opts = CheckOptions::new(state.mail_trust.clone());
    let (mut session, _) = open_session(&imap, &Login::new(&email, &password), &opts)
        .await
        .unwrap();
    session
        .append("INBOX", None, None, message(binary))
        .await
        .unwrap();
    session.logout().await.ok();
    let request = ConnectRequest {
        provider: Provider::OwnDomain,
        email: email.clone(),
        password,
        imap: Some(imap),
        smtp: Some(smtp),
        smtp_username: None,
        smtp_password: None,
    };
    let draft = mailboxes::check_and_draft(state, owner, request)
        .await
        .unwrap();
    let settings = MailboxSettings {
        sender_name: "Owner".into(),
        mailbox_name: "Reports".into(),
        access: Access::Shared,
        grantees: vec![grantee.user_id],
        crm_mode: domain::CrmMode::Off,
        crm_create: domain::CrmCreate::default(),
        period: domain::SyncPeriod::Month,
        folders: vec!["INBOX".into()],
    };
    let id = mailboxes::connect(state, owner, &draft, settings)
        .await
        .unwrap();
    let engine = SyncEngine::new(
        state.db.clone(),
        state.master_key.clone(),
        state.mail_trust.clone(),
        2,
    );
    assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
}

#[tokio::test]
async fn content_attachments_and_inline_images_over_http() {
    let ca = std::path::PathBuf::from(&support::stack_env()["MAILSTACK_CA"]);
    let (app, state) = app_and_state(MailTrust::new(Some(&ca)).unwrap()).await;
    let db = &state.db;
    let owner = user(db, None, "owner@acme.test").await;
    plan::set_plan(db, &owner, Plan::Standard).await.unwrap();
    let grantee = user(db, Some(&owner), "grantee@acme.test").await;
    user(db, Some(&owner), "stranger@acme.test").await;
    user(db, None, "outsider@other.test").await;
    let binary = seeded_bytes(300_000);
    mailbox_with_report(&state, &owner, &grantee, &binary).await;
    let row = message::Entity::find()
        .filter(message::Column::Subject.eq("Report with attachments"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let position = |name: &str| {
        row.attachments
            .0
            .iter()
            .position(|a| a.name == name)
            .unwrap_or_else(|| panic!("{name} not in {:?}", row.attachments))
    };
    let (bin, html) = (position(BINARY_NAME), position("..\\evil\"name.html"));
    let content = format!("/mail/messages/{}/content", row.id);
    let download = format!("/mail/messages/{}/attachments/{bin}", row.id);
    let text = format!("/mail/messages/{}/attachments/{html}", row.id);
    let inline = format!("/mail/messages/{}/inline/pic%40reading.test", row.id);
    let owner_cookie = signed_in(&app, "owner@acme.test").await;
    let cookie = Some(owner_cookie.as_str());

    let (status, h, body) = get(&app, &content, cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header_of(&h, "content-type"), "text/html; charset=utf-8");
    assert_eq!(
        header_of(&h, "content-security-policy"),
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; font-src 'none'; \
         form-action 'none'; base-uri 'none'; frame-ancestors 'self'; \
         sandbox allow-popups allow-popups-to-escape-sandbox"
    );
    assert_eq!(header_of(&h, "x-content-type-options"), "nosniff");
    assert_eq!(header_of(&h, "referrer-policy"), "no-referrer");
    assert_eq!(header_of(&h, "cache-control"), "private, no-store");
    assert_eq!(header_of(&h, "x-frame-options"), "SAMEORIGIN");
    let page = String::from_utf8(body).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    // The frame's image requests carry no session: the inline address carries a pass.
    let prefix = format!("src=\"/mail/messages/{}/pass/", row.id);
    let at = page.find(&prefix).unwrap_or_else(|| panic!("{page}")) + 5;
    let passed = page[at..at + page[at..].find('"').unwrap()].to_owned();
    assert!(passed.ends_with("/inline/pic%40reading.test"), "{passed}");
    let (status, _, bytes) = get(&app, &passed, None).await;
    assert_eq!(status, StatusCode::OK, "a pass needs no session");
    assert_eq!(bytes, png());
    let forged = passed.replacen("/pass/", "/pass/A", 1);
    assert_eq!(get(&app, &forged, None).await.0, StatusCode::NOT_FOUND);
    let elsewhere = passed.replacen(
        &format!("/mail/messages/{}/", row.id),
        &format!("/mail/messages/{}/", row.id + 1),
        1,
    );
    assert_eq!(get(&app, &elsewhere, None).await.0, StatusCode::NOT_FOUND);
    assert!(
        !page.contains("<script") && !page.contains("tracker.test"),
        "{page}"
    );

    let (status, h, body) = get(&app, &format!("{content}?images=1"), cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        header_of(&h, "content-security-policy")
            .contains("img-src 'self' data: https: http:; font-src 'none'"),
        "{h:?}"
    );
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("https://tracker.test/p.gif")
    );

    let (status, h, body) = get(&app, &download, cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body == binary, "{} bytes, not the original", body.len());
    assert_eq!(header_of(&h, "content-length"), "300000");
    assert_eq!(header_of(&h, "content-type"), "application/octet-stream");
    assert_eq!(
        header_of(&h, "content-disposition"),
        "attachment; filename=\"____ __ ________ 2026.bin\"; filename*=UTF-8''\
         %D0%97%D0%B2%D1%96%D1%82%20%D0%B7%D0%B0%20%D0%BB%D0%B8%D1%81%D1%82%D0%BE%D0%BF%D0%B0%D0%B4%202026.bin"
    );
    assert_eq!(header_of(&h, "x-content-type-options"), "nosniff");
    assert_eq!(
        header_of(&h, "content-security-policy"),
        "sandbox; default-src 'none'"
    );

    let (status, h, body) = get(&app, &text, cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, CP1251_TEXT, "{:?}", String::from_utf8_lossy(&body));
    assert_eq!(header_of(&h, "content-type"), "application/octet-stream");
    assert_eq!(
        header_of(&h, "content-disposition"),
        "attachment; filename=\"_evil_name.html\"; filename*=UTF-8''_evil%22name.html"
    );

    let (status, h, body) = get(&app, &inline, cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, png());
    assert_eq!(header_of(&h, "content-type"), "image/png");
    assert_eq!(header_of(&h, "content-disposition"), "inline");
    assert_eq!(header_of(&h, "x-content-type-options"), "nosniff");
    assert_eq!(
        header_of(&h, "content-security-policy"),
        "sandbox; default-src 'none'"
    );

    // Who may read: the owner and the grantee; nobody else learns the message exists.
    let mut readers = vec![(owner_cookie.clone(), StatusCode::OK)];
    for (email, expected) in [
        ("grantee@acme.test", StatusCode::OK),
        ("stranger@acme.test", StatusCode::NOT_FOUND),
        ("outsider@other.test", StatusCode::NOT_FOUND),
    ] {
        readers.push((signed_in(&app, email).await, expected));
    }
    for (cookie, expected) in &readers {
        for path in [&content, &download, &inline] {
            let (status, _, _) = get(&app, path, Some(cookie)).await;
            assert_eq!(status, *expected, "{path}");
        }
    }
    for path in [
        format!("/mail/messages/{}/content", row.id + 1000),
        format!("/mail/messages/{}/attachments/99", row.id),
        format!("/mail/messages/{}/attachments/x", row.id),
        format!("/mail/messages/{}/inline/none%40reading.test", row.id),
    ] {
        assert_eq!(
            get(&app, &path, cookie).await.0,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }

    // Signed out: pages go to the login (the gate), the rest answers 401.
    for path in [&content, &download] {
        let (status, h, _) = get(&app, path, None).await;
        assert!(status.is_redirection(), "{path}: {status}");
        assert_eq!(header_of(&h, "location"), "/login");
    }
    assert_eq!(get(&app, &inline, None).await.0, StatusCode::UNAUTHORIZED);
}
