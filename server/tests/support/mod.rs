//! The real router served on a loopback port, a raw HTTP/1.1 client that tells a complete
//! response from a cut one, and the mail stack's connection details.

#![allow(dead_code)]

pub mod crash_fixtures;

use axum::Router;
use services::{
    AppState,
    config::{Config, WebConfig},
    mail::tls::MailTrust,
    secrets::MasterKey,
};
use std::{collections::HashMap, net::SocketAddr, path::PathBuf, time::Duration};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

pub struct TestApp {
    pub state: AppState,
    pub config: Config,
    pub router: Router,
}

/// A fresh SQLite database and the router `main.rs` builds, with `web` and `cookie_secure`
/// as given.
pub async fn app(trust: MailTrust, web: WebConfig, cookie_secure: bool) -> TestApp {
    let dir = std::env::temp_dir().join(format!("mc-web-{}", uuid::Uuid::new_v4().simple()));
    let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
    let db = services::db::connect_and_migrate(&url).await.unwrap();
    let key = MasterKey::load_or_create(None, &dir).unwrap();
    // A site root of its own: one public file to tell static files from pages.
    let site = dir.join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(
        site.join("favicon.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .unwrap();
    let config = Config {
        bind_addr: "127.0.0.1:3000".parse().unwrap(),
        database_url: url,
        data_dir: dir,
        master_key: None,
        log_level: "warn".into(),
        site_root: site,
        cookie_secure,
        mail_extra_ca_file: None,
        mail_connect_timeout: Duration::from_secs(5),
        mail_policy: Default::default(),
        discovery: Default::default(),
        sync: Default::default(),
        web,
        oauth: Default::default(),
    };
    let state = AppState::new(db, key, trust);
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .build_recorder()
        .handle();
    let router = server::router::build(&config, state.clone(), metrics);
    TestApp {
        state,
        config,
        router,
    }
}

/// Serves `router` on 127.0.0.1 (a free port) until the test's runtime ends.
pub async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body arrived whole: the chunked terminator or exactly Content-Length bytes.
    pub complete: bool,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `id=…` session cookie this response sets, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| v.split(';').next())
            .find(|c| c.starts_with("id="))
            .map(str::to_owned)
    }
}

/// One request on its own connection (`Connection: close`), read to the end. `Err` when
/// the connection fails or the server sends nothing parseable.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<RawResponse, String> {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    stream.write_all(body).await.map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .await
        .map_err(|e| format!("read: {e}"))?;
    parse(&raw)
}

pub async fn get(
    addr: SocketAddr,
    path: &str,
    cookie: Option<&str>,
) -> Result<RawResponse, String> {
    let headers: Vec<(&str, &str)> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
    request(addr, "GET", path, &headers, b"").await
}

/// A server-function call as a hydrated page (or `fetch`) makes it.
pub async fn post_form(
    addr: SocketAddr,
    endpoint: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> RawResponse {
    let body = form_body(form);
    let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
    if let Some(c) = cookie {
        headers.push(("Cookie", c));
    }
    request(
        addr,
        "POST",
        &format!("/api/{endpoint}"),
        &headers,
        body.as_bytes(),
    )
    .await
    .unwrap()
}

pub fn form_body(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn parse(raw: &[u8]) -> Result<RawResponse, String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no complete header block in {} bytes", raw.len()))?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or("no status line")?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let rest = &raw[end + 4..];
    let (body, complete) = if find("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        dechunk(rest)
    } else if let Some(len) = find("content-length").and_then(|v| v.parse::<usize>().ok()) {
        (rest.to_vec(), rest.len() == len)
    } else {
        (rest.to_vec(), false)
    };
    Ok(RawResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        complete,
    })
}

/// The chunks' data, and whether the terminating zero-size chunk arrived.
fn dechunk(mut rest: &[u8]) -> (Vec<u8>, bool) {
    let mut body = Vec::new();
    loop {
        let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") else {
            return (body, false);
        };
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
        else {
            return (body, false);
        };
        rest = &rest[line_end + 2..];
        if size == 0 {
            return (body, true);
        }
        if rest.len() < size + 2 {
            body.extend_from_slice(rest);
            return (body, false);
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// Host, ports and CA of the project's Dovecot/Postfix (`target/mail-stack/env`, or the
/// same names in the environment).
pub fn stack_env() -> HashMap<String, String> {
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

/// Runs `scripts/mail-stack/mail-stack ARGS` (seeded dates within the last 20 days).
pub fn mail_stack(args: &[&str]) -> String {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/mail-stack/mail-stack");
    let out = std::process::Command::new(script)
        .args(args)
        .env("MAILSTACK_SEED_SPAN_DAYS", "20")
        .output()
        .expect("mail-stack runs");
    assert!(
        out.status.success(),
        "mail-stack {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
