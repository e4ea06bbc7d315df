//! DNS for discovery: SRV records through hickory (the C library cannot ask for them) and
//! host addresses through the same configured server when one is set, so tests and a
//! deployment with its own resolver never depend on `/etc/hosts`.

use super::DiscoveryConfig;
use crate::mail::address_policy::AddressPolicy;
use hickory_resolver::{
    Name, TokioResolver,
    config::{NameServerConfigGroup, ResolveHosts, ResolverConfig, ResolverOpts},
    name_server::TokioConnectionProvider,
};
use std::{net::IpAddr, sync::Arc, time::Duration};

/// One SRV answer (RFC 2782); `target` is None for ".", "decidedly not available".
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct SrvRecord {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    pub target: Option<String>,
}

#[derive(Clone)]
pub(super) struct Dns {
    /// None when no DNS server is configured and the system has no usable resolv.conf.
    resolver: Option<Arc<TokioResolver>>,
    /// Addresses go through hickory only with a configured server; otherwise the C library
    /// (which also honours /etc/hosts and nsswitch, as the rest of the system does).
    custom_server: bool,
    timeout: Duration,
    allow_private: bool,
}

impl Dns {
    pub fn new(config: &DiscoveryConfig) -> Self {
        let resolver = match config.dns_server {
            Some(server) => {
                let group = NameServerConfigGroup::from_ips_clear(
                    &[server.ip()],
                    server.port(),
                    // The configured server is authoritative for the answers we want.
                    true,
                );
                let resolver_config = ResolverConfig::from_parts(None, vec![], group);
                let mut options = ResolverOpts::default();
                options.use_hosts_file = ResolveHosts::Never;
                Some(tune(
                    TokioResolver::builder_with_config(
                        resolver_config,
                        TokioConnectionProvider::default(),
                    )
                    .with_options(options),
                    config.timeout,
                ))
            }
            None => match TokioResolver::builder_tokio() {
                Ok(builder) => Some(tune(builder, config.timeout)),
                Err(error) => {
                    tracing::warn!(%error, "no system DNS configuration; SRV discovery is off");
                    None
                }
            },
        };
        Dns {
            resolver: resolver.map(Arc::new),
            custom_server: config.dns_server.is_some(),
            timeout: config.timeout,
            allow_private: config.allow_private_addresses,
        }
    }

    pub fn allow_private(&self) -> bool {
        self.allow_private
    }

    /// The SRV records at `name`; empty on any error (no such name, timeout, refusal).
    pub async fn srv(&self, name: &str) -> Vec<SrvRecord> {
        let Some(resolver) = &self.resolver else {
            return Vec::new();
        };
        let Ok(fqdn) = Name::from_ascii(format!("{name}.")) else {
            return Vec::new();
        };
        match tokio::time::timeout(self.timeout, resolver.srv_lookup(fqdn)).await {
            Ok(Ok(lookup)) => lookup
                .iter()
                .map(|srv| SrvRecord {
                    priority: srv.priority(),
                    weight: srv.weight(),
                    port: srv.port(),
                    target: (!srv.target().is_root()).then(|| srv.target().to_ascii()),
                })
                .collect(),
            Ok(Err(error)) => {
                tracing::debug!(%name, %error, "SRV lookup found nothing");
                Vec::new()
            }
            Err(_) => {
                tracing::debug!(%name, "SRV lookup timed out");
                Vec::new()
            }
        }
    }

    /// The host's addresses that discovery may connect to (see `mail::address_policy`); empty when
    /// the name does not resolve in time.
    pub async fn addresses(&self, host: &str) -> Vec<IpAddr> {
        let found: Vec<IpAddr> = if self.custom_server {
            let Some(resolver) = &self.resolver else {
                return Vec::new();
            };
            let Ok(fqdn) = Name::from_ascii(format!("{host}.")) else {
                return Vec::new();
            };
            match tokio::time::timeout(self.timeout, resolver.lookup_ip(fqdn)).await {
                Ok(Ok(lookup)) => lookup.iter().collect(),
                _ => Vec::new(),
            }
        } else {
            match tokio::time::timeout(self.timeout, tokio::net::lookup_host((host, 0))).await {
                Ok(Ok(addrs)) => addrs.map(|a| a.ip()).collect(),
                _ => Vec::new(),
            }
        };
        let allowed: Vec<IpAddr> = found
            .iter()
            .copied()
            .filter(|ip| {
                AddressPolicy {
                    allow_private: self.allow_private,
                }
                .allows(*ip)
            })
            .collect();
        if allowed.len() < found.len() {
            tracing::info!(%host, "discovery skipped private addresses of a user-given domain");
        }
        allowed
    }
}

/// One attempt per server bounded by the discovery timeout: a slow resolver must not
/// multiply the wizard's wait.
fn tune(
    mut builder: hickory_resolver::ResolverBuilder<TokioConnectionProvider>,
    timeout: Duration,
) -> TokioResolver {
    let options = builder.options_mut();
    options.timeout = timeout;
    options.attempts = 1;
    builder.build()
}
