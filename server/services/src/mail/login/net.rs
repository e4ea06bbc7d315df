//! What every outgoing mail connection shares (login check, sync, IDLE, SMTP): name lookup
//! under the address policy, TCP connect to the vetted addresses only, and telling a port
//! that wants TLS from the first byte from a server that is merely silent.

use super::classify;
use crate::mail::{address_policy::AddressPolicy, tls::MailTrust};
use domain::ConnectProblem;
use rustls::pki_types::ServerName;
use std::{net::SocketAddr, time::Duration};
use tokio::net::TcpStream;

/// The addresses a connection to `host` may use: resolved once, each vetted by the
/// policy. Callers connect to exactly these (never to the name again), so a second DNS
/// answer cannot point the connection elsewhere. Resolved separately from connecting so
/// that an unknown name is told apart from a closed port; a name whose addresses are all
/// refused gets [`ConnectProblem::AddressNotAllowed`] before any packet is sent to it,
/// the same answer whatever the address and whether or not anything listens there.
pub async fn resolve_vetted(
    host: &str,
    port: u16,
    policy: AddressPolicy,
) -> Result<Vec<SocketAddr>, ConnectProblem> {
    let found: Vec<SocketAddr> = match tokio::net::lookup_host((host, port)).await {
        Ok(addrs) => addrs.collect(),
        Err(err) => {
            tracing::debug!(host, %err, "mail connection: name lookup failed");
            return Err(ConnectProblem::HostNotFound);
        }
    };
    if found.is_empty() {
        return Err(ConnectProblem::HostNotFound);
    }
    let vetted = policy.vet(found.iter().copied());
    if vetted.is_empty() {
        tracing::info!(host, port, "mail connection refused: no public address");
        return Err(ConnectProblem::AddressNotAllowed);
    }
    if vetted.len() < found.len() {
        tracing::info!(
            host,
            "mail connection: private addresses of the host skipped"
        );
    }
    Ok(vetted)
}

/// Tries every (vetted) address in turn (IPv6 and IPv4 of a host), like the OS would.
pub(crate) async fn connect(addrs: &[SocketAddr]) -> Result<TcpStream, ConnectProblem> {
    TcpStream::connect(addrs)
        .await
        .map_err(|e| classify::io_problem(&e, false))
}

pub(crate) fn server_name(host: &str) -> Result<ServerName<'static>, ConnectProblem> {
    ServerName::try_from(host.to_owned()).map_err(|_| ConnectProblem::HostNotFound)
}

/// How long to wait for a plain-text greeting before suspecting an implicit-TLS port.
/// Real servers greet within milliseconds; half the budget leaves time for the probe.
pub(crate) fn greeting_wait(timeout: Duration) -> Duration {
    (timeout / 2).min(Duration::from_secs(5))
}

/// After a plain-text greeting did not come: does the port answer a TLS ClientHello?
/// Yes (even with a certificate we do not trust, or an alert) means the user picked
/// STARTTLS for an implicit-TLS port; otherwise the server is just not answering. A
/// silent probe is ended by the caller's overall timeout.
pub(crate) async fn silent_port_problem(
    addrs: &[SocketAddr],
    host: &str,
    trust: &MailTrust,
) -> ConnectProblem {
    let speaks_tls = match (connect(addrs).await, server_name(host)) {
        (Ok(tcp), Ok(name)) => match trust.connector().connect(name, tcp).await {
            Ok(_) => true,
            Err(e) => classify::rustls_error(&e).is_some_and(|t| !classify::is_not_tls(t)),
        },
        _ => false,
    };
    if speaks_tls {
        ConnectProblem::StartTlsOnTlsPort
    } else {
        ConnectProblem::Timeout
    }
}

/// Bounds a whole check: connect, greeting, TLS, login, and what follows.
pub(crate) async fn bounded<T>(
    timeout: Duration,
    check: impl Future<Output = Result<T, ConnectProblem>>,
) -> Result<T, ConnectProblem> {
    tokio::time::timeout(timeout, check)
        .await
        .unwrap_or(Err(ConnectProblem::Timeout))
}
