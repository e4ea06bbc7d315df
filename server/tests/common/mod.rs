//! An in-process HTTP client for the real router, with a cookie jar of one session.

#![allow(dead_code)]

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use services::{AppState, config::Config, mail::tls::MailTrust, secrets::MasterKey};
use tower::ServiceExt;

pub struct Client {
    pub app: Router,
    pub cookie: Option<String>,
}

impl Client {
    pub async fn post(&mut self, endpoint: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
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

pub async fn app() -> Router {
    app_trusting(MailTrust::new(None).unwrap()).await
}

pub async fn app_trusting(trust: MailTrust) -> Router {
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
        sync: Default::default(),
    };
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .build_recorder()
        .handle();
    server::router::build(&config, AppState::new(db, key, trust), metrics)
}

pub async fn signed_up(app: &Router, email: &str) -> Client {
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
