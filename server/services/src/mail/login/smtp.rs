//! The SMTP half of a login check (connect, TLS, EHLO, AUTH, QUIT; nothing is sent), and
//! the same way in for sending (`open_smtp`: the connection is handed back logged in).

use super::{CheckOptions, Credential, Login, classify, net};
use domain::{ConnectProblem, Security, ServerAddress};
use lettre::transport::smtp::{
    Error as SmtpError,
    authentication::{Credentials, Mechanism},
    client::{AsyncSmtpConnection, AsyncTokioStream},
    extension::ClientId,
};
use std::{
    io,
    net::SocketAddr,
    pin::Pin,
    task::{Context, Poll},
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
};

/// Mechanisms that carry a password as is; TLS is always on underneath.
const MECHANISMS: [Mechanism; 2] = [Mechanism::Plain, Mechanism::Login];
/// An OAuth2 access token (Microsoft 365, Gmail).
const TOKEN_MECHANISMS: [Mechanism; 1] = [Mechanism::Xoauth2];

/// Logs in to the submission server. Connecting and logging in are bounded by
/// `opts.timeout`, and so is the QUIT after them (lettre reads without a timeout of its
/// own); a QUIT that fails or goes unanswered does not undo a successful login.
pub async fn check_smtp(
    server: &ServerAddress,
    login: &Login,
    opts: &CheckOptions,
) -> Result<(), ConnectProblem> {
    let mut conn = net::bounded(opts.timeout, open(server, login, opts)).await?;
    match tokio::time::timeout(opts.timeout, conn.quit()).await {
        Ok(Ok(_)) => {}
        Ok(Err(err)) => {
            let err = crate::mail::text::server(&err.to_string());
            tracing::debug!(%err, "mail check: SMTP QUIT failed after a successful check");
        }
        Err(_) => tracing::debug!("mail check: SMTP QUIT unanswered after a successful check"),
    }
    Ok(())
}

/// A submission connection logged in with `login`: under the address policy, TLS
/// verified, the password only inside TLS. Bounded as a whole by `opts.timeout`.
pub async fn open_smtp(
    server: &ServerAddress,
    login: &Login,
    opts: &CheckOptions,
) -> Result<AsyncSmtpConnection, ConnectProblem> {
    net::bounded(opts.timeout, open(server, login, opts)).await
}

async fn open(
    server: &ServerAddress,
    login: &Login,
    opts: &CheckOptions,
) -> Result<AsyncSmtpConnection, ConnectProblem> {
    // Connected here, not by lettre: to the vetted addresses only, and with the socket
    // options of every mail connection (`net::connect`), which lettre's own connect
    // does not set.
    let addrs = net::resolve_vetted(&server.host, server.port, opts.trust.policy()).await?;
    let tcp = net::connect(&addrs).await?;
    let hello = ClientId::Domain("localhost".into());
    let mut conn = match server.security {
        Security::Tls => {
            let tls = net::implicit_tls(&opts.trust, &server.host, tcp).await?;
            AsyncSmtpConnection::connect_with_transport(Box::new(TlsSocket(tls)), &hello)
                .await
                .map_err(|e| classify::smtp_problem(&e, true))?
        }
        Security::StartTls => {
            let params = opts
                .trust
                .smtp_parameters(&server.host)
                .map_err(|e| classify::other(format!("{e:#}")))?;
            let connecting = AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &hello);
            let mut conn = match tokio::time::timeout(net::greeting_wait(opts.timeout), connecting)
                .await
            {
                Ok(Ok(conn)) => conn,
                Ok(Err(e)) => return Err(plain_greeting_problem(&e)),
                Err(_) => {
                    return Err(net::silent_port_problem(&addrs, &server.host, &opts.trust).await);
                }
            };
            // RFC 3207 §4: STARTTLS must be in the EHLO answer; we never fall back to
            // sending the password in clear text.
            if !conn.can_starttls() {
                return Err(ConnectProblem::StartTlsUnsupported);
            }
            conn.starttls(params, &hello).await.map_err(|e| {
                if e.status().is_some() {
                    ConnectProblem::StartTlsUnsupported
                } else {
                    classify::smtp_problem(&e, false)
                }
            })?;
            conn
        }
    };
    let (mechanisms, secret, offered): (&[Mechanism], _, _) = match &login.credential {
        Credential::Password(p) => (&MECHANISMS, p, "PLAIN or LOGIN"),
        Credential::Bearer(t) => (&TOKEN_MECHANISMS, t, "XOAUTH2"),
    };
    // Checked here rather than by lettre's error text: the EHLO after TLS lists them
    // (RFC 4954 §3).
    if conn.server_info().get_auth_mechanism(mechanisms).is_none() {
        return Err(ConnectProblem::LoginRefused {
            server_text: crate::mail::text::server(&format!(
                "no AUTH {offered} offered: {}",
                conn.server_info()
            )),
        });
    }
    let credentials = Credentials::new(login.username.clone(), secret.clone());
    conn.auth(mechanisms, &credentials).await.map_err(|e| {
        match classify::smtp_auth_problem(&e) {
            ConnectProblem::WrongPassword if mechanisms == TOKEN_MECHANISMS.as_slice() => {
                ConnectProblem::SignInExpired
            }
            other => other,
        }
    })?;
    Ok(conn)
}

/// A failure before TLS on a STARTTLS connection. Text that is no SMTP reply (a TLS
/// record, binary, not UTF-8) means the port wants TLS from the first byte.
fn plain_greeting_problem(err: &SmtpError) -> ConnectProblem {
    let not_smtp = err.is_response()
        || classify::find_io_error(err).is_some_and(|io| io.kind() == io::ErrorKind::InvalidData);
    if not_smtp {
        ConnectProblem::StartTlsOnTlsPort
    } else {
        classify::smtp_problem(err, false)
    }
}

/// An implicit-TLS connection handed to lettre as it is. lettre can take over a plain
/// stream and upgrade it itself (STARTTLS above), but a connection that is TLS from its
/// first byte it only opens itself, on a socket we could not set up.
///
/// lettre takes this for a plain stream: on such a connection its `is_encrypted()` is
/// false, `can_starttls()` may be true, and `peer_certificate()` fails. Nothing here asks
/// them (TLS is known from `Security::Tls`); a check that did would have to ask us.
#[derive(Debug)]
struct TlsSocket(tokio_rustls::client::TlsStream<TcpStream>);

impl AsyncTokioStream for TlsSocket {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl AsyncRead for TlsSocket {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsSocket {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
