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

/// Acknowledges the next segments at once rather than after Linux's delayed-ACK timer
/// (40 ms). Right after a TLS handshake the server sends its session tickets and then its
/// greeting; a server that does not send at once (Postfix) holds the greeting until the
/// tickets are acknowledged, and the client, with nothing to say, delays that ACK. Linux
/// turns this off again by itself as the connection goes on; other systems: nothing done.
pub(crate) fn acknowledge_at_once(tcp: &TcpStream) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::fd::AsRawFd;
        let on: libc::c_int = 1;
        // SAFETY: the descriptor is the open socket `tcp` owns for this whole call, and the
        // option value is a c_int passed with its own size.
        let set = unsafe {
            libc::setsockopt(
                tcp.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_QUICKACK,
                std::ptr::from_ref(&on).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if set != 0 {
            tracing::debug!(err = %std::io::Error::last_os_error(), "mail connection: TCP_QUICKACK not set");
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = tcp;
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
