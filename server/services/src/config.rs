//! Configuration from environment variables, or from a `KEY=value` file named by
//! `CONFIG_FILE` (environment variables win). See the README's configuration table.

use crate::mail::{address_policy::AddressPolicy, discovery::DiscoveryConfig};
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
    /// Which addresses mail connections may reach (`MAIL_ALLOW_PRIVATE`).
    pub mail_policy: AddressPolicy,
    /// Own-domain server discovery (`MAIL_DISCOVERY_*`).
    pub discovery: DiscoveryConfig,
    pub sync: SyncConfig,
    pub web: WebConfig,
    /// OAuth2 sign-in providers (`OAUTH_*`).
    pub oauth: crate::oauth::OAuthSettings,
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
    /// How long a mailbox's claim holds without renewal: how soon another process takes
    /// over the mailboxes of one that died (renewed every third of it).
    pub lease_secs: u64,
    /// Most megabytes the attachments of one sent message may have together
    /// (`MAIL_ATTACHMENTS_MB`; the send worker runs beside the scheduler).
    pub attachments_mb: u64,
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
            lease_secs: 30,
            attachments_mb: 25,
        }
    }
}

impl Config {
    /// Reads the environment (after `CONFIG_FILE`); a value that does not parse stops the
    /// start with a message naming the variable.
    pub fn from_env() -> Result<Self> {
        if let Ok(file) = std::env::var("CONFIG_FILE") {
            // dotenvy never overrides variables that are already set.
            dotenvy::from_path(&file).with_context(|| format!("Cannot read CONFIG_FILE {file}"))?;
        }
        Self::from_vars(&Vars::new(|name| std::env::var(name).ok()))
    }

    /// The same from any source of variables (tests).
    pub fn from_vars(v: &Vars) -> Result<Self> {
        let data_dir = PathBuf::from(v.text("DATA_DIR").unwrap_or_else(|| "data".into()));
        let bind_addr = v
            .parsed("BIND_ADDR")?
            .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 3000)));
        let public_url = v.text("PUBLIC_URL");
        let base = public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bind_addr}"));
        let oauth =
            crate::oauth::from_vars(v, format!("{}/oauth/callback", base.trim_end_matches('/')))?;
        let database_url = v
            .text("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("mail.db").display()));
        Ok(Config {
            bind_addr,
            database_url,
            data_dir,
            master_key: v.text("MASTER_KEY"),
            log_level: v.text("LOG_LEVEL").unwrap_or_else(|| "info".into()),
            site_root: PathBuf::from(v.text("SITE_ROOT").unwrap_or_else(|| "target/site".into())),
            cookie_secure: v.flag("COOKIE_SECURE", false)?,
            mail_extra_ca_file: v.text("MAIL_EXTRA_CA_FILE").map(PathBuf::from),
            mail_connect_timeout: std::time::Duration::from_secs(
                v.parsed("MAIL_CONNECT_TIMEOUT_SECS")?.unwrap_or(15),
            ),
            mail_policy: AddressPolicy::from_vars(v)?,
            discovery: discovery_config(v)?,
            sync: sync_config(v)?,
            web: WebConfig {
                public_url,
                metrics_addr: v.parsed("METRICS_ADDR")?,
                metrics_token: v.text("METRICS_TOKEN"),
                trust_proxy_headers: v.flag("TRUST_PROXY_HEADERS", false)?,
                rate_limit_scale: v.parsed("RATE_LIMIT_SCALE")?.unwrap_or(1),
            },
            oauth,
        })
    }
}

/// The one reader of configuration variables: an empty value counts as unset, numbers and
/// addresses must parse, and switches take `1/true/yes/on` or `0/false/no/off`.
pub struct Vars<'a> {
    get: Lookup<'a>,
}

type Lookup<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

impl<'a> Vars<'a> {
    pub fn new(get: impl Fn(&str) -> Option<String> + 'a) -> Self {
        Vars { get: Box::new(get) }
    }

    pub fn text(&self, name: &str) -> Option<String> {
        (self.get)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    pub fn parsed<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>> {
        self.text(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| anyhow::anyhow!("{name} has an unusable value {v:?}"))
            })
            .transpose()
    }

    pub fn flag(&self, name: &str, default: bool) -> Result<bool> {
        match self.text(name).map(|v| v.to_ascii_lowercase()).as_deref() {
            None => Ok(default),
            Some("1" | "true" | "yes" | "on") => Ok(true),
            Some("0" | "false" | "no" | "off") => Ok(false),
            Some(other) => anyhow::bail!("{name} must be true or false, not {other:?}"),
        }
    }
}

fn discovery_config(v: &Vars) -> Result<DiscoveryConfig> {
    let mut config = DiscoveryConfig {
        dns_server: v.parsed("MAIL_DISCOVERY_DNS")?,
        ..DiscoveryConfig::default()
    };
    if let Some(urls) = v.text("MAIL_DISCOVERY_AUTOCONFIG_URLS") {
        config.autoconfig_urls = urls
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned)
            .collect();
    }
    config.allow_private_addresses = AddressPolicy::from_vars(v)?.allow_private;
    Ok(config)
}

fn sync_config(v: &Vars) -> Result<SyncConfig> {
    let number =
        |name: &str, default: u64| -> Result<u64> { Ok(v.parsed(name)?.unwrap_or(default)) };
    let d = SyncConfig::default();
    Ok(SyncConfig {
        enabled: v.flag("SYNC_ENABLED", true)?,
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
        lease_secs: number("SYNC_LEASE_SECS", d.lease_secs)?.clamp(6, 3600),
        attachments_mb: number("MAIL_ATTACHMENTS_MB", d.attachments_mb)?.clamp(1, 1024),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> Vars<'static> {
        Vars::new(move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn one_reader_one_set_of_rules() {
        let config = Config::from_vars(&vars(&[
            ("COOKIE_SECURE", "yes"),
            ("SYNC_ENABLED", "off"),
            ("MAIL_ALLOW_PRIVATE", "TRUE"),
            ("MAIL_DISCOVERY_DNS", "127.0.0.1:5353"),
            (
                "MAIL_DISCOVERY_AUTOCONFIG_URLS",
                " http://a/{domain} , ,https://b ",
            ),
            ("SYNC_CONCURRENCY", "2"),
            ("SYNC_LEASE_SECS", "1"),
        ]))
        .unwrap();
        assert!(config.cookie_secure);
        assert!(!config.sync.enabled);
        assert!(config.mail_policy.allow_private);
        assert!(config.discovery.allow_private_addresses);
        assert_eq!(
            config.discovery.dns_server,
            Some("127.0.0.1:5353".parse().unwrap())
        );
        assert_eq!(
            config.discovery.autoconfig_urls,
            ["http://a/{domain}", "https://b"]
        );
        assert_eq!(config.sync.concurrency, 2);
        assert_eq!(
            config.sync.lease_secs, 6,
            "a lease too short to renew is raised"
        );

        let defaults = Config::from_vars(&vars(&[])).unwrap();
        assert!(!defaults.cookie_secure && defaults.sync.enabled);
        assert_eq!(defaults.sync.lease_secs, 30);
        assert!(!defaults.mail_policy.allow_private);
        assert_eq!(defaults.bind_addr, "127.0.0.1:3000".parse().unwrap());
    }

    #[test]
    fn a_value_that_does_not_parse_names_its_variable() {
        for (key, value) in [
            ("COOKIE_SECURE", "maybe"),
            ("SYNC_ENABLED", "2"),
            ("MAIL_DISCOVERY_DNS", "x"),
            ("SYNC_CONCURRENCY", "many"),
            ("BIND_ADDR", "nowhere"),
        ] {
            let pairs: &'static [(&'static str, &'static str)] =
                Box::leak(vec![(key, value)].into_boxed_slice());
            let err = Config::from_vars(&vars(pairs)).unwrap_err().to_string();
            assert!(err.contains(key), "{key}: {err}");
        }
    }
}
