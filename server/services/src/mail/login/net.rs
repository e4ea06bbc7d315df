//! What every outgoing mail connection shares (login check, sync, IDLE, SMTP): name lookup
//! under the address policy, TCP connect to the vetted addresses only, and telling a port
//! that wants TLS from the first byte from a server that is merely silent.

use super::classify;
use crate::mail::{address_policy::AddressPolicy, tls::MailTrust};
use domain::ConnectProblem;
use rustls::pki_types::ServerName;
use std::{net::SocketAddr, time::Duration};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

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
///
/// The socket sends at once (`TCP_NODELAY`): mail protocols are request and answer, and
/// a client often writes one request in two parts (lettre writes a message, then the
/// `.` that ends it). With Nagle's algorithm the second part waits for the ACK of the
/// first, which the server delays by 40 ms, once per message sent (docs/benchmarks.md,
/// "Sending").
pub(crate) async fn connect(addrs: &[SocketAddr]) -> Result<TcpStream, ConnectProblem> {
    let tcp = TcpStream::connect(addrs)
        .await
        .map_err(|e| classify::io_problem(&e, false))?;
    if let Err(err) = tcp.set_nodelay(true) {
        // Only slower, never wrong: go on.
        tracing::debug!(%err, "mail connection: TCP_NODELAY not set");
    }
    Ok(tcp)
}

/// TLS from the first byte (IMAPS, SMTPS): the handshake, checked against `host` with the
/// mail roots, then the next segments acknowledged at once rather than after Linux's
/// delayed-ACK timer (40 ms). Right after the handshake the server sends its session
/// tickets and then its greeting; a server that does not send at once (Postfix) holds the
/// greeting until the tickets are acknowledged, and the client, with nothing to say yet,
/// delays that ACK. Linux leaves this mode again by itself as the connection goes on.
pub(crate) async fn implicit_tls(
    trust: &MailTrust,
    host: &str,
    tcp: TcpStream,
) -> Result<TlsStream<TcpStream>, ConnectProblem> {
    let tls = trust
        .connector()
        .connect(server_name(host)?, tcp)
        .await
        .map_err(|e| classify::io_problem(&e, true))?;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Err(err) = socket2::SockRef::from(tls.get_ref().0).set_tcp_quickack(true) {
        // Only slower, never wrong: go on.
        tracing::debug!(%err, "mail connection: TCP_QUICKACK not set");
    }
    Ok(tls)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn mail_connections_send_without_waiting_for_acks() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let tcp = connect(&[addr]).await.expect("connect");
        assert!(tcp.nodelay().expect("socket option"));
    }
}
