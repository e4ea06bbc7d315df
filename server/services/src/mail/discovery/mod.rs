//! Finds a mailbox's IMAP and SMTP servers from its address, so the connect wizard can fill
//! step 2 before asking. Three sources, in order of trust:
//!
//! 1. DNS SRV records (RFC 6186, with RFC 8314's `_submissions._tcp`): published by the
//!    domain's owner for exactly this purpose.
//! 2. The autoconfig file (Thunderbird's clientConfig v1.1 XML) at `autoconfig.<domain>` or
//!    the domain's `.well-known`: also the owner's, but fetched over HTTP.
//! 3. Guesses (`imap.<domain>`, `mail.<domain>`, `smtp.<domain>`) that answer a TCP connect.
//!
//! Nothing here logs in or sends a password: the result is a suggestion the user confirms
//! or overrides (RFC 6186 §6 asks clients to confirm SRV targets outside the domain with the
//! user, since plain DNS answers can be forged).

mod autoconfig;
mod dns;
mod guess;
mod names;
mod srv;
mod xml;

use domain::{Security, ServerAddress};
use std::{net::SocketAddr, time::Duration};

/// The autoconfig locations mail clients use, tried in order (`{domain}`, `{email}`).
pub const DEFAULT_AUTOCONFIG_URLS: [&str; 2] = [
    "https://autoconfig.{domain}/mail/config-v1.1.xml?emailaddress={email}",
    "https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress={email}",
];

/// How discovery reaches DNS and HTTP, and how long it waits.
///
/// `config::Config` reads it from:
/// - `MAIL_DISCOVERY_DNS` (`ip:port`): the DNS server for SRV and address lookups; unset =
///   the system resolver (`/etc/resolv.conf` for SRV, the C library for addresses).
/// - `MAIL_DISCOVERY_AUTOCONFIG_URLS`: comma-separated URL templates replacing
///   [`DEFAULT_AUTOCONFIG_URLS`].
/// - `MAIL_ALLOW_PRIVATE` (`true`/`1`; older name `MAIL_DISCOVERY_ALLOW_PRIVATE`): let HTTP
///   fetches and TCP probes reach loopback and private addresses, the same switch as every
///   other mail connection (`mail::address_policy`).
#[derive(Clone, Debug)]
pub struct DiscoveryConfig {
    /// DNS server for SRV/A lookups; None = the system resolver (/etc/resolv.conf).
    pub dns_server: Option<SocketAddr>,
    /// Autoconfig URL templates tried in order; `{domain}` and `{email}` (url-encoded) are replaced.
    pub autoconfig_urls: Vec<String>,
    /// Per-lookup bound (DNS query, HTTP request, one TCP probe). Default 3 s.
    pub timeout: Duration,
    /// Ports probed on guessed IMAP hosts, in order of preference.
    pub probe_imap_ports: Vec<(u16, Security)>,
    /// Ports probed on guessed SMTP hosts, in order of preference.
    pub probe_smtp_ports: Vec<(u16, Security)>,
    /// Off by default: the domain is typed by a user, so without this guard the server could
    /// be made to fetch or probe addresses on its own network (loopback, cloud metadata).
    pub allow_private_addresses: bool,
}

impl Default for DiscoveryConfig {
    fn default() -> Self {
        DiscoveryConfig {
            dns_server: None,
            autoconfig_urls: DEFAULT_AUTOCONFIG_URLS
                .iter()
                .map(|u| u.to_string())
                .collect(),
            timeout: Duration::from_secs(3),
            // Implicit TLS first (RFC 8314 §3), STARTTLS as the fallback.
            probe_imap_ports: vec![(993, Security::Tls), (143, Security::StartTls)],
            probe_smtp_ports: vec![(465, Security::Tls), (587, Security::StartTls)],
            allow_private_addresses: false,
        }
    }
}

/// Which source the servers came from (the UI may say how sure it is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscoverySource {
    Srv,
    Autoconfig,
    Guess,
}

/// Both servers of a mailbox, as one source described them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovered {
    pub imap: ServerAddress,
    pub smtp: ServerAddress,
    pub source: DiscoverySource,
}

/// What one source found; a source counts only when it names both servers, so the two
/// never come from sources the domain's owner did not publish together.
#[derive(Debug, Default)]
struct Found {
    imap: Option<ServerAddress>,
    smtp: Option<ServerAddress>,
}

impl Found {
    fn complete(self, source: DiscoverySource) -> Option<Discovered> {
        Some(Discovered {
            imap: self.imap?,
            smtp: self.smtp?,
            source,
        })
    }
}

/// SRV records, then the autoconfig file, then probed guesses; None when nothing is found
/// or the address is not usable. Each network step is bounded by `config.timeout`.
pub async fn discover(email: &str, config: &DiscoveryConfig) -> Option<Discovered> {
    let address = names::EmailAddress::parse(email)?;
    let dns = dns::Dns::new(config);

    if let Some(found) = srv::lookup(&dns, &address.domain)
        .await
        .complete(DiscoverySource::Srv)
    {
        return Some(found);
    }
    if let Some(found) = autoconfig::lookup(&dns, &address, config)
        .await
        .complete(DiscoverySource::Autoconfig)
    {
        return Some(found);
    }
    guess::lookup(&dns, &address.domain, config)
        .await
        .complete(DiscoverySource::Guess)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_can_run_on_any_worker_thread() {
        // Server functions and spawned tasks need a Send future.
        fn send<T: Send>(_: &T) {}
        send(&discover("a@example.com", &DiscoveryConfig::default()));
    }

    #[tokio::test]
    async fn unusable_addresses_end_before_any_lookup() {
        // Default config (system resolver): nothing may be sent for these.
        for bad in ["", "a@", "a@localhost", "a@[10.0.0.1]", "a@169.254.169.254"] {
            assert_eq!(
                discover(bad, &DiscoveryConfig::default()).await,
                None,
                "{bad}"
            );
        }
    }
}
