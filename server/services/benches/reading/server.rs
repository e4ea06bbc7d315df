//! The real server binary on a loopback port, and a signed-in HTTP client for it: the
//! requests the Mail page's server functions send (form-encoded POSTs, JSON answers).

use reqwest::{
    Client, StatusCode,
    header::{CONTENT_TYPE, COOKIE, SET_COOKIE},
    redirect::Policy,
};
use std::{
    fs::File,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A running `mailcenter`; killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    log: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `bin` on a free loopback port against `database_url`, sync off and the
    /// throttles scaled up (32 clients from one address), and waits for `/healthz`.
    pub async fn start(bin: &Path, database_url: &str, dir: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = dir.join("server.log");
        let out = File::create(&log).expect("server log");
        let err = out.try_clone().expect("server log");
        let site = super::repo().join("target/site");
        let child = Command::new(bin)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url)
            .env("DATA_DIR", dir.join("data"))
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("SITE_ROOT", site)
            .env("SYNC_ENABLED", "false")
            .env("RATE_LIMIT_SCALE", "100000")
            .env("LOG_LEVEL", "warn")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        server.wait_healthy().await;
        server
    }

    async fn wait_healthy(&mut self) {
        let client = Client::new();
        let t0 = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server exited ({status}):\n{}", self.log_tail());
            }
            let url = format!("{}/healthz", self.base);
            if let Ok(r) = client.get(url).send().await
                && r.status() == StatusCode::OK
            {
                return;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(120),
                "the server did not answer /healthz within 120 s:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last lines the server logged.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Logs in as `email` and returns a client carrying the session cookie.
    pub async fn sign_in(&self, email: &str, password: &str) -> App {
        let client = Client::builder()
            .redirect(Policy::none())
            .pool_max_idle_per_host(64)
            .tcp_nodelay(true)
            .build()
            .expect("http client");
        let response = client
            .post(format!("{}/api/log_in", self.base))
            .header(CONTENT_TYPE, FORM)
            .body(format!("email={}&password={}", enc(email), enc(password)))
            .send()
            .await
            .expect("log in");
        let cookie = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next())
            .collect::<Vec<_>>()
            .join("; ");
        assert!(
            !cookie.is_empty(),
            "log in gave no cookie: {} {}",
            response.status(),
            response.text().await.unwrap_or_default()
        );
        App {
            client,
            base: self.base.clone(),
            cookie,
        }
    }
}

const FORM: &str = "application/x-www-form-urlencoded";

/// Form-encodes a value (Cyrillic included).
pub fn enc(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A signed-in browser, as far as server functions can tell.
#[derive(Clone)]
pub struct App {
    client: Client,
    base: String,
    cookie: String,
}

impl App {
    /// POSTs `form` to `/api/<endpoint>`; `read` sees the body of a 200 answer.
    pub async fn call<T>(
        &self,
        endpoint: &str,
        form: String,
        read: impl FnOnce(&[u8]) -> T,
    ) -> Result<T, String> {
        let response = self
            .client
            .post(format!("{}/api/{endpoint}", self.base))
            .header(COOKIE, &self.cookie)
            .header(CONTENT_TYPE, FORM)
            .body(form)
            .send()
            .await
            .map_err(|e| format!("{endpoint}: {e}"))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("{endpoint}: {e}"))?;
        if status != StatusCode::OK {
            let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
            return Err(format!("{endpoint}: {status}: {text}"));
        }
        Ok(read(&body))
    }

    /// The decoded answer of [`App::call`].
    pub async fn json(&self, endpoint: &str, form: String) -> serde_json::Value {
        self.call(endpoint, form, |body| serde_json::from_slice(body))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{endpoint}: not JSON: {e}"))
    }
}
