//! Server functions called over HTTP, in-process, against the real router: every call
//! checks the session, a forbidden call gets 403, and workspaces never see each other.

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use services::{AppState, config::Config, secrets::MasterKey};
use tower::ServiceExt;

struct Client {
    app: Router,
    cookie: Option<String>,
}

impl Client {
    async fn post(&mut self, endpoint: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req = Request::post(format!("/api/{endpoint}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "127.0.0.1:3000");
        if let Some(cookie) = &self.cookie {
            req = req.header(header::COOKIE, cookie);
        }
        let res = self
            .app
            .clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        for set in res.headers().get_all(header::SET_COOKIE) {
            let value = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            if value.starts_with("id=") {
                self.cookie = Some(value);
            }
        }
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }
}

fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn app() -> Router {
    let dir = std::env::temp_dir().join(format!("mc-http-{}", uuid::Uuid::new_v4().simple()));
    let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
    let db = services::db::connect_and_migrate(&url).await.unwrap();
    let key = MasterKey::load_or_create(None, &dir).unwrap();
    let config = Config {
        bind_addr: "127.0.0.1:3000".parse().unwrap(),
        database_url: url,
        data_dir: dir,
        master_key: None,
        log_level: "warn".into(),
        site_root: "target/site".into(),
        cookie_secure: false,
        mail_extra_ca_file: None,
        mail_connect_timeout: std::time::Duration::from_secs(5),
    };
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .build_recorder()
        .handle();
    let trust = services::mail::tls::MailTrust::new(None).unwrap();
    server::router::build(&config, AppState::new(db, key, trust), metrics)
}

async fn signed_up(app: &Router, email: &str) -> Client {
    let mut c = Client {
        app: app.clone(),
        cookie: None,
    };
    let (status, body) = c
        .post(
            "sign_up",
            &[
                ("workspace_name", "WS"),
                ("name", "Admin"),
                ("email", email),
                ("password", "long password"),
                ("language", "en"),
            ],
        )
        .await;
    assert!(
        status.is_success() || status.is_redirection(),
        "{status} {body}"
    );
    assert!(c.cookie.is_some(), "no session cookie after sign-up");
    c
}

#[tokio::test]
async fn calls_without_a_session_are_refused() {
    let app = app().await;
    let mut anon = Client { app, cookie: None };
    for endpoint in ["list_members", "current_user"] {
        let (status, body) = anon.post(endpoint, &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{endpoint}: {body}");
        assert!(body.contains("NotSignedIn"), "{body}");
    }
    let (status, _) = anon.post("set_plan", &[("plan", "professional")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_member_gets_403_for_admin_calls() {
    let app = app().await;
    let mut admin = signed_up(&app, "root@example.com").await;
    let (status, body) = admin
        .post(
            "add_member",
            &[
                ("name", "M"),
                ("email", "m@example.com"),
                ("password", "member password"),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let mut member = Client {
        app: app.clone(),
        cookie: None,
    };
    let (status, body) = member
        .post(
            "log_in",
            &[("email", "m@example.com"), ("password", "member password")],
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    let (status, body) = member.post("set_plan", &[("plan", "professional")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("Forbidden"));
    let (status, _) = member
        .post(
            "add_member",
            &[
                ("name", "X"),
                ("email", "x@example.com"),
                ("password", "xxxxxxxxxx"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = admin.post("current_user", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("\"Free\""),
        "the member's call changed the plan: {body}"
    );
}

#[tokio::test]
async fn workspaces_do_not_see_each_other_over_http() {
    let app = app().await;
    let mut a = signed_up(&app, "a@example.com").await;
    let mut b = signed_up(&app, "b@example.com").await;
    let (_, members_a) = a.post("list_members", &[]).await;
    let (_, members_b) = b.post("list_members", &[]).await;
    assert!(
        members_a.contains("a@example.com") && !members_a.contains("b@example.com"),
        "{members_a}"
    );
    assert!(
        members_b.contains("b@example.com") && !members_b.contains("a@example.com"),
        "{members_b}"
    );
}

#[tokio::test]
async fn logging_out_ends_the_session() {
    let app = app().await;
    let mut a = signed_up(&app, "out@example.com").await;
    let (status, _) = a.post("log_out", &[]).await;
    assert!(status.is_success() || status.is_redirection());
    let (status, _) = a.post("current_user", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_cross_site_post_is_refused() {
    let app = app().await;
    let req = Request::post("/api/log_in")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://evil.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("email=a%40b.co&password=x"))
        .unwrap();
    let res = app.oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
