//! Configuration from environment variables, or from a `KEY=value` file named by
//! `CONFIG_FILE` (environment variables win). See the README's configuration table.

use anyhow::{Context, Result};
use std::{net::SocketAddr, path::PathBuf};

#[derive(Clone, Debug)]
pub struct Config {
    pub bind_addr: SocketAddr,
    pub database_url: String,
    pub data_dir: PathBuf,
    /// Base64 of 32 bytes; when absent, `secrets::MasterKey::load_or_create` makes one
    /// under `data_dir` with 0600 permissions.
    pub master_key: Option<String>,
    pub log_level: String,
    pub site_root: PathBuf,
    /// Send the session cookie only over HTTPS (set behind a TLS proxy).
    pub cookie_secure: bool,
    /// A PEM file of extra CA certificates trusted for IMAP/SMTP besides the system's
    /// (the demo and test mail servers' throwaway CA). Verification is never turned off.
    pub mail_extra_ca_file: Option<PathBuf>,
    /// Bound on one IMAP or SMTP login check.
    pub mail_connect_timeout: std::time::Duration,
}

impl Config {
    pub fn from_env() -> Result<Self> {
        if let Ok(file) = std::env::var("CONFIG_FILE") {
            // dotenvy never overrides variables that are already set.
            dotenvy::from_path(&file).with_context(|| format!("Cannot read CONFIG_FILE {file}"))?;
        }
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("mail.db").display()));
        let bind_addr = var("BIND_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .context("BIND_ADDR must be host:port")?;
        Ok(Config {
            bind_addr,
            database_url,
            data_dir,
            master_key: var("MASTER_KEY"),
            log_level: var("LOG_LEVEL").unwrap_or_else(|| "info".into()),
            site_root: PathBuf::from(var("SITE_ROOT").unwrap_or_else(|| "target/site".into())),
            cookie_secure: var("COOKIE_SECURE").is_some_and(|v| v == "1" || v == "true"),
            mail_extra_ca_file: var("MAIL_EXTRA_CA_FILE").map(PathBuf::from),
            mail_connect_timeout: std::time::Duration::from_secs(
                var("MAIL_CONNECT_TIMEOUT_SECS")
                    .map(|v| {
                        v.parse()
                            .context("MAIL_CONNECT_TIMEOUT_SECS must be a number")
                    })
                    .transpose()?
                    .unwrap_or(15),
            ),
        })
    }
}
