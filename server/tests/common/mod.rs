//! An in-process HTTP client for the real router, with a cookie jar of one session.

#![allow(dead_code)]

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use services::{AppState, config::Config, mail::tls::MailTrust, secrets::MasterKey};
use std::net::SocketAddr;
use tower::ServiceExt;

pub struct Client {
    pub app: Router,
    pub cookie: Option<String>,
    /// The TCP peer the router sees (axum's `ConnectInfo`); `None`: an unknown address.
    pub peer: Option<SocketAddr>,
}

impl Client {
    pub fn new(app: &Router) -> Client {
        Client {
            app: app.clone(),
            cookie: None,
            peer: None,
        }
    }

    /// A client whose requests come from `ip`.
    pub fn from(app: &Router, ip: &str) -> Client {
        Client {
            peer: Some(SocketAddr::new(ip.parse().unwrap(), 40000)),
            ..Client::new(app)
        }
    }

    /// A page as the browser gets it with JavaScript off: status and HTML.
    pub async fn page(&mut self, path: &str) -> (StatusCode, String) {
        let mut req = Request::get(path).header(header::HOST, "127.0.0.1:3000");
        if let Some(cookie) = &self.cookie {
            req = req.header(header::COOKIE, cookie);
        }
        let res = self
            .app
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    pub async fn post(&mut self, endpoint: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        self.post_full(endpoint, form).await.map_headers()
    }

    /// The status, the `Retry-After` header, the session cookie set and the body.
    pub async fn post_full(&mut self, endpoint: &str, form: &[(&str, &str)]) -> Reply {
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
        if let Some(peer) = self.peer {
            req = req.extension(axum::extract::ConnectInfo(peer));
        }
        let res = self
            .app
            .clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let mut set_cookie = None;
        for set in res.headers().get_all(header::SET_COOKIE) {
            let whole = set.to_str().unwrap();
            let value = whole.split(';').next().unwrap().to_owned();
            if value.starts_with("id=") {
                self.cookie = Some(value);
                set_cookie = Some(whole.to_owned());
            }
        }
        let status = res.status();
        let retry_after = res
            .headers()
            .get(header::RETRY_AFTER)
            .map(|v| v.to_str().unwrap().parse().unwrap());
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            retry_after,
            set_cookie,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub retry_after: Option<u64>,
    /// The session cookie the answer set, whole (`id=…; Max-Age=…; …`), if it set one.
    pub set_cookie: Option<String>,
    pub body: String,
}

impl Reply {
    fn map_headers(self) -> (StatusCode, String) {
        (self.status, self.body)
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
    app_and_state(trust).await.0
}

/// The router and the state it serves (its throttle table, database).
pub async fn app_and_state(trust: MailTrust) -> (Router, AppState) {
    app_configured(trust, |_| {}).await
}

/// Like `app_and_state`, with the state changed by `configure` before the router is built.
pub async fn app_configured(
    trust: MailTrust,
    configure: impl FnOnce(&mut AppState),
) -> (Router, AppState) {
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
        mail_policy: Default::default(),
        discovery: Default::default(),
        sync: Default::default(),
        web: Default::default(),
        oauth: Default::default(),
    };
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .build_recorder()
        .handle();
    let mut state = AppState::new(db, key, trust);
    configure(&mut state);
    (
        server::router::build(&config, state.clone(), metrics),
        state,
    )
}

pub async fn signed_up(app: &Router, email: &str) -> Client {
    signed_up_from(app, email, None).await
}

/// Signs up from `ip` (sign-ups are throttled per address).
pub async fn signed_up_from(app: &Router, email: &str, ip: Option<&str>) -> Client {
    let mut c = match ip {
        Some(ip) => Client::from(app, ip),
        None => Client::new(app),
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
    // Not a browser form (no `Accept: text/html`): 200, the redirect named in a header.
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(c.cookie.is_some(), "no session cookie after sign-up");
    c
}
