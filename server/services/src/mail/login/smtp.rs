//! The SMTP half of a login check (connect, TLS, EHLO, AUTH, QUIT; nothing is sent), and
//! the same way in for sending (`open_smtp`: the connection is handed back logged in).

use super::{CheckOptions, Credential, Login, classify, net};
use domain::{ConnectProblem, Security, ServerAddress};
use lettre::transport::smtp::{
    Error as SmtpError,
    authentication::{Credentials, Mechanism},
    client::AsyncSmtpConnection,
    extension::ClientId,
};
use std::io;

/// Mechanisms that carry a password as is; TLS is always on underneath.
const MECHANISMS: [Mechanism; 2] = [Mechanism::Plain, Mechanism::Login];
/// An OAuth2 access token (Microsoft 365, Gmail).
const TOKEN_MECHANISMS: [Mechanism; 1] = [Mechanism::Xoauth2];

/// Logs in to the submission server. Bounded as a whole by `opts.timeout` (lettre's own
/// timeout covers only the TCP connect).
pub async fn check_smtp(
    server: &ServerAddress,
    login: &Login,
    opts: &CheckOptions,
) -> Result<(), ConnectProblem> {
    let mut conn = net::bounded(opts.timeout, open(server, login, opts)).await?;
    if let Err(err) = conn.quit().await {
        let err = crate::mail::text::server(&err.to_string());
        tracing::debug!(%err, "mail check: SMTP QUIT failed after a successful check");
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
    // lettre is handed the vetted addresses themselves (a `SocketAddr` slice is not
    // resolved again); the certificate is still checked against the host name.
    let addrs = net::resolve_vetted(&server.host, server.port, opts.trust.policy()).await?;
    let params = opts
        .trust
        .smtp_parameters(&server.host)
        .map_err(|e| classify::other(format!("{e:#}")))?;
    let hello = ClientId::Domain("localhost".into());
    let timeout = Some(opts.timeout);
    let mut conn = match server.security {
        Security::Tls => AsyncSmtpConnection::connect_tokio1(
            addrs.as_slice(),
            timeout,
            &hello,
            Some(params),
            None,
        )
        .await
        .map_err(|e| classify::smtp_problem(&e, true))?,
        Security::StartTls => {
            let connecting =
                AsyncSmtpConnection::connect_tokio1(addrs.as_slice(), timeout, &hello, None, None);
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
