//! The last resort: the host names providers commonly use, kept only when a TCP connect to
//! the expected port succeeds. Nothing is sent on the connection; the login check that
//! follows in the wizard is what proves the server.

use super::{DiscoveryConfig, Found, dns::Dns};
use domain::{Security, ServerAddress};
use futures_util::future::join_all;
use std::{net::IpAddr, time::Duration};
use tokio::net::TcpStream;

/// A name with many addresses gets a few tries, not one per address.
const MAX_ADDRESSES_PER_HOST: usize = 4;

pub(super) async fn lookup(dns: &Dns, domain: &str, config: &DiscoveryConfig) -> Found {
    let imap_hosts = [format!("imap.{domain}"), format!("mail.{domain}")];
    let smtp_hosts = [format!("smtp.{domain}"), format!("mail.{domain}")];
    let (imap, smtp) = tokio::join!(
        first_open(dns, &imap_hosts, &config.probe_imap_ports, config.timeout),
        first_open(dns, &smtp_hosts, &config.probe_smtp_ports, config.timeout),
    );
    Found { imap, smtp }
}

/// The first (host, port) in preference order that accepts a connection. All probes run
/// at once so the wait is one timeout, not one per guess.
async fn first_open(
    dns: &Dns,
    hosts: &[String],
    ports: &[(u16, Security)],
    timeout: Duration,
) -> Option<ServerAddress> {
    let resolved = join_all(hosts.iter().map(|host| dns.addresses(host))).await;
    let candidates: Vec<(&String, &Vec<IpAddr>, u16, Security)> = hosts
        .iter()
        .zip(&resolved)
        .filter(|(_, ips)| !ips.is_empty())
        .flat_map(|(host, ips)| {
            ports
                .iter()
                .map(move |(port, security)| (host, ips, *port, *security))
        })
        .collect();
    let open = join_all(
        candidates
            .iter()
            .map(|(_, ips, port, _)| accepts(ips, *port, timeout)),
    )
    .await;
    candidates
        .into_iter()
        .zip(open)
        .find(|(_, open)| *open)
        .map(|((host, _, port, security), _)| ServerAddress {
            host: host.clone(),
            port,
            security,
        })
}

/// True when one of the addresses accepts a TCP connection within the timeout.
async fn accepts(ips: &[IpAddr], port: u16, timeout: Duration) -> bool {
    let tries = ips
        .iter()
        .take(MAX_ADDRESSES_PER_HOST)
        .map(|ip| async move {
            matches!(
                tokio::time::timeout(timeout, TcpStream::connect((*ip, port))).await,
                Ok(Ok(_))
            )
        });
    join_all(tries).await.into_iter().any(|ok| ok)
}
