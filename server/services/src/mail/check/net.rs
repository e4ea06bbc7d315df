//! What IMAP and SMTP checks share: name lookup, TCP connect, and telling a port that
//! wants TLS from the first byte from a server that is merely silent.

use super::classify;
use crate::mail::tls::MailTrust;
use domain::ConnectProblem;
use rustls::pki_types::ServerName;
use std::{net::SocketAddr, time::Duration};
use tokio::net::TcpStream;

/// Resolved separately from connecting so that an unknown name is told apart from a
/// closed port.
pub(crate) async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, ConnectProblem> {
    match tokio::net::lookup_host((host, port)).await {
        Ok(addrs) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                Err(ConnectProblem::HostNotFound)
            } else {
                Ok(addrs)
            }
        }
        Err(err) => {
            tracing::debug!(host, %err, "mail check: name lookup failed");
            Err(ConnectProblem::HostNotFound)
        }
    }
}

/// Tries every address in turn (IPv6 and IPv4 of `localhost`, say), like the OS would.
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
