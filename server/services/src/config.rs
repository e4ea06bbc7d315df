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
    pub sync: SyncConfig,
    pub web: WebConfig,
}

/// The web side's exposure (README § Configuration).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WebConfig {
    /// The address users open (`https://mail.example.com`); `https` turns on HSTS and
    /// Secure cookies, like `COOKIE_SECURE`.
    pub public_url: Option<String>,
    /// Serve `/metrics` only on this separate address (off by default).
    pub metrics_addr: Option<SocketAddr>,
    /// `/metrics` answers only `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// Behind a proxy: the client address is the rightmost `X-Forwarded-For` entry
    /// (`TRUST_PROXY_HEADERS`; off: the TCP peer).
    pub trust_proxy_headers: bool,
    /// Multiplies every throttle allowance (`RATE_LIMIT_SCALE`, default 1; 0 counts as 1).
    pub rate_limit_scale: u32,
}

impl Config {
    /// The deployment is reached over HTTPS (a TLS proxy in front): HSTS, Secure cookies.
    pub fn behind_https(&self) -> bool {
        self.cookie_secure
            || self
                .web
                .public_url
                .as_deref()
                .is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"))
    }
}

/// The sync scheduler of this process (README § Configuration).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncConfig {
    /// Run the scheduler in this process (off for a web-only replica).
    pub enabled: bool,
    /// Mailboxes synced at once.
    pub concurrency: usize,
    /// IMAP connections at once to one server host.
    pub connections_per_host: usize,
    /// Larger messages keep only their headers ("too large, open on server").
    pub max_message_mb: u64,
    /// Longest pause between looks at the schedule (other processes' changes).
    pub poll_secs: u64,
    /// IMAP IDLE connections of this process (Professional mailboxes); 0 turns IDLE off.
    pub idle_max: usize,
    /// One mailbox's run ends by then (a silent or slow server holds a slot no longer).
    pub run_deadline_secs: u64,
    /// Message bodies kept per mailbox; older mail beyond keeps its headers only.
    pub mailbox_quota_mb: u64,
    /// On SIGTERM/Ctrl-C, how long running syncs may take to finish before they are
    /// cancelled and their leases given back.
    pub shutdown_grace_secs: u64,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            enabled: true,
            concurrency: 4,
            connections_per_host: 8,
            max_message_mb: 25,
            poll_secs: 15,
            idle_max: 20,
            run_deadline_secs: 15 * 60,
            mailbox_quota_mb: 2048,
            shutdown_grace_secs: 10,
        }
    }
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
            sync: sync_config(&var)?,
            web: WebConfig {
                public_url: var("PUBLIC_URL"),
                metrics_addr: var("METRICS_ADDR")
                    .map(|v| v.parse().context("METRICS_ADDR must be host:port"))
                    .transpose()?,
                metrics_token: var("METRICS_TOKEN"),
                trust_proxy_headers: var("TRUST_PROXY_HEADERS")
                    .is_some_and(|v| v == "1" || v == "true"),
                rate_limit_scale: var("RATE_LIMIT_SCALE")
                    .map(|v| v.parse().context("RATE_LIMIT_SCALE must be a number"))
                    .transpose()?
                    .unwrap_or(1),
            },
        })
    }
}

fn sync_config(var: &dyn Fn(&str) -> Option<String>) -> Result<SyncConfig> {
    let number = |name: &str, default: u64| -> Result<u64> {
        var(name)
            .map(|v| {
                v.parse()
                    .with_context(|| format!("{name} must be a number"))
            })
            .transpose()
            .map(|v| v.unwrap_or(default))
    };
    let d = SyncConfig::default();
    Ok(SyncConfig {
        enabled: var("SYNC_ENABLED").is_none_or(|v| v != "0" && v != "false"),
        concurrency: usize::try_from(number("SYNC_CONCURRENCY", d.concurrency as u64)?)?.max(1),
        connections_per_host: usize::try_from(number(
            "SYNC_CONNECTIONS_PER_HOST",
            d.connections_per_host as u64,
        )?)?
        .max(1),
        max_message_mb: number("SYNC_MAX_MESSAGE_MB", d.max_message_mb)?.max(1),
        poll_secs: number("SYNC_POLL_SECS", d.poll_secs)?.max(1),
        idle_max: usize::try_from(number("SYNC_IDLE_MAX", d.idle_max as u64)?)?,
        run_deadline_secs: number("SYNC_RUN_DEADLINE_SECS", d.run_deadline_secs)?.max(1),
        mailbox_quota_mb: number("SYNC_MAILBOX_QUOTA_MB", d.mailbox_quota_mb)?.max(1),
        shutdown_grace_secs: number("SYNC_SHUTDOWN_GRACE_SECS", d.shutdown_grace_secs)?,
    })
}
