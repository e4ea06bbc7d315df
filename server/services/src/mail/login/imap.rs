//! The IMAP half of a login check: connect, TLS, log in, list the folders, log out.

use super::{CheckOptions, Credential, FolderInfo, Login, classify, folders, net};
use crate::mail::bounded_stream::{BoundedStream, StreamLimits};
use async_imap::{
    Client, Session,
    error::Error as ImapError,
    imap_proto::{Capability, Response, Status},
};
use domain::{ConnectProblem, Security, ServerAddress};
use futures_util::TryStreamExt;
use std::io;
use tokio::{io::AsyncWriteExt, net::TcpStream};
use tokio_rustls::client::TlsStream;

/// The stream under every IMAP session: TLS over TCP, implicit or after STARTTLS, read
/// through a [`BoundedStream`] (bytes per answer, literal sizes, silence).
pub type Tls = BoundedStream<TlsStream<TcpStream>>;

/// Logs in and lists the folders, INBOX first. Bounded as a whole by `opts.timeout`.
pub async fn check_imap(
    server: &ServerAddress,
    login: &Login,
    opts: &CheckOptions,
) -> Result<Vec<FolderInfo>, ConnectProblem> {
    net::bounded(opts.timeout, run(server, login, opts)).await
}

async fn run(
    server: &ServerAddress,
    login: &Login,
    opts: &CheckOptions,
) -> Result<Vec<FolderInfo>, ConnectProblem> {
    let (mut session, _caps) = open_session(server, login, opts).await?;
    let mut list: Vec<FolderInfo> = Vec::new();
    let mut skipped = 0usize;
    {
        let mut names = session
            .list(Some(""), Some("*"))
            .await
            .map_err(|e| imap_problem(&e))?;
        // Read to the end (the answer is bounded by the stream), keep what is usable.
        while let Some(n) = names.try_next().await.map_err(|e| imap_problem(&e))? {
            if folders::keep(&list, n.name()) {
                list.push(FolderInfo::new(n.name(), n.delimiter(), n.attributes()));
            } else {
                skipped += 1;
            }
        }
    }
    if skipped > 0 {
        tracing::info!(
            skipped,
            kept = list.len(),
            "mail check: folders over the count or name-length limit left out"
        );
    }
    folders::sort(&mut list);
    if let Err(err) = session.logout().await {
        let err = crate::mail::text::server(&err.to_string());
        tracing::debug!(%err, "mail check: IMAP LOGOUT failed after a successful check");
    }
    Ok(list)
}

/// A logged-in IMAP session over TLS and the capabilities the server announced after
/// login, with the default stream limits. Not bounded as a whole: callers bound it
/// (`check_imap`, the sync engine).
pub async fn open_session(
    server: &ServerAddress,
    login: &Login,
    opts: &CheckOptions,
) -> Result<(Session<Tls>, Vec<String>), ConnectProblem> {
    open_session_within(server, login, opts, StreamLimits::default()).await
}

/// [`open_session`] with the given stream limits (the sync's, from its configuration).
/// Only addresses the trust's policy allows are connected to.
pub async fn open_session_within(
    server: &ServerAddress,
    login: &Login,
    opts: &CheckOptions,
    limits: StreamLimits,
) -> Result<(Session<Tls>, Vec<String>), ConnectProblem> {
    let session = open_session_pipelining(server, login, opts, limits, "").await?;
    Ok((session.0, session.1))
}

/// [`open_session_within`], with `lines` (whole command lines, each with a tag of the
/// caller's own, none async-imap's `A…`) sent right behind a LOGIN, so their answers come
/// in the round trip of its answer. Only where the server announced ENABLE before login:
/// a server that lists its extensions then (Dovecot does; Gmail's and Outlook's do not,
/// and they sign in with AUTHENTICATE, which waits for a continuation) hands what follows
/// the LOGIN on to the logged-in session (RFC 3501 §5.5 allows the pipelining). The
/// third value says whether they went out: the caller then reads their answers, and the
/// capabilities are those the LOGIN told, or none (no CAPABILITY is asked).
pub async fn open_session_pipelining(
    server: &ServerAddress,
    login: &Login,
    opts: &CheckOptions,
    limits: StreamLimits,
    lines: &str,
) -> Result<(Session<Tls>, Vec<String>, bool), ConnectProblem> {
    let addrs = net::resolve_vetted(&server.host, server.port, opts.trust.policy()).await?;
    let tcp = net::connect(&addrs).await?;
    let name = net::server_name(&server.host)?;
    let connector = opts.trust.connector();
    let (mut client, greeting_caps) = match server.security {
        Security::Tls => {
            let tls = net::implicit_tls(&opts.trust, &server.host, tcp).await?;
            let mut client = Client::new(BoundedStream::new(tls, limits));
            let caps = greeting(&mut client, false).await?;
            (client, caps)
        }
        Security::StartTls => {
            let mut client = Client::new(BoundedStream::new(tcp, limits));
            let wait = net::greeting_wait(opts.timeout);
            // What it offers before TLS is not trusted and not kept (RFC 3501 §6.2.1).
            let Ok(greeted) = tokio::time::timeout(wait, greeting(&mut client, true)).await else {
                return Err(net::silent_port_problem(&addrs, &server.host, &opts.trust).await);
            };
            greeted?;
            client
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(|e| match e {
                    ImapError::No(_) | ImapError::Bad(_) => ConnectProblem::StartTlsUnsupported,
                    other => imap_problem(&other),
                })?;
            // `into_inner` drops anything buffered after the OK, so plain text injected
            // before the handshake is never read as protected (CVE-2011-0411).
            let tls = connector
                .connect(name, client.into_inner().into_inner())
                .await
                .map_err(|e| classify::io_problem(&e, false))?;
            (Client::new(BoundedStream::new(tls, limits)), None)
        }
    };
    let caps = match greeting_caps {
        Some(caps) => caps,
        None => capabilities(&mut client).await?,
    };
    let (mut session, told, sent) = authenticate(client, &caps, login, lines).await?;
    // The LOGIN goes out with one flush (quoted strings, no literal to wait on), so the
    // lines staged for it went out with it.
    debug_assert!(
        !session.get_ref().has_staged(),
        "lines left after the LOGIN"
    );
    // Logging in may change what is offered (RFC 3501 §6.2.3). A LOGIN's OK that says so
    // (Dovecot's does) spares the CAPABILITY command: a round trip less a session. So do
    // pipelined lines, whose answers come next: their caller needs no capabilities.
    let caps = match told {
        Some(told) => told,
        None if sent => Vec::new(),
        None => match session.capabilities().await {
            Ok(list) => owned(&list),
            Err(_) => caps,
        },
    };
    Ok((session, caps, sent))
}

/// Reads the server greeting (RFC 3501 §7.1) and the capabilities it may carry.
/// `plain`: before any TLS, where bytes that are not IMAP mean the port wants TLS.
async fn greeting<T>(
    client: &mut Client<T>,
    plain: bool,
) -> Result<Option<Vec<String>>, ConnectProblem>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let response = match client.read_response().await {
        Ok(Some(response)) => response,
        Ok(None) => {
            return Err(ConnectProblem::Other {
                detail: "the server closed the connection without a greeting".into(),
            });
        }
        Err(e) if plain && classify::rustls_error(&e).is_none() && is_garbage(&e) => {
            return Err(ConnectProblem::StartTlsOnTlsPort);
        }
        Err(e) => return Err(classify::io_problem(&e, false)),
    };
    match response.parsed() {
        Response::Data {
            status: Status::Ok,
            outcome,
        } => Ok(match &outcome.code {
            Some(async_imap::imap_proto::ResponseCode::Capabilities(caps)) => {
                Some(caps.iter().map(capability_text).collect())
            }
            _ => None,
        }),
        Response::Data { status, outcome } => Err(classify::other(format!(
            "greeting {status:?}: {}",
            outcome.information.as_deref().unwrap_or_default()
        ))),
        _ if plain => Err(ConnectProblem::StartTlsOnTlsPort),
        other => Err(classify::other(format!("unexpected greeting {other:?}"))),
    }
}

/// Bytes that are no IMAP at all (a TLS record, binary): async-imap reports them as a
/// parse error (`Other`) or a truncated response (`UnexpectedEof`).
fn is_garbage(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::Other | io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData
    )
}

fn capability_text(cap: &Capability<'_>) -> String {
    match cap {
        Capability::Imap4rev1 => "IMAP4REV1".into(),
        Capability::Auth(mech) => format!("AUTH={}", mech.to_ascii_uppercase()),
        Capability::Atom(atom) => atom.to_ascii_uppercase(),
    }
}

/// CAPABILITY (RFC 3501 §6.1.1). async-imap offers it only after login, so the command
/// goes straight onto the stream (everything before it was flushed).
async fn capabilities(client: &mut Client<Tls>) -> Result<Vec<String>, ConnectProblem> {
    const TAG: &str = "cap1";
    let stream = client.get_mut();
    let sent = async {
        stream
            .write_all(format!("{TAG} CAPABILITY\r\n").as_bytes())
            .await?;
        stream.flush().await
    };
    sent.await.map_err(|e| classify::io_problem(&e, false))?;
    let mut caps = Vec::new();
    loop {
        let response = client
            .read_response()
            .await
            .map_err(|e| classify::io_problem(&e, false))?
            .ok_or_else(|| ConnectProblem::Other {
                detail: "the server closed the connection after TLS".into(),
            })?;
        match response.parsed() {
            Response::Capabilities(list) => caps.extend(list.iter().map(capability_text)),
            Response::Done { tag, .. } if tag.0 == TAG => return Ok(caps),
            _ => {}
        }
    }
}

/// LOGIN, or AUTHENTICATE PLAIN (RFC 4616) when the server disabled LOGIN or the
/// password is not ASCII (LOGIN's quoted strings are 7-bit, RFC 3501 §9); an OAuth2
/// token goes with AUTHENTICATE XOAUTH2, and a refused token means the sign-in expired.
/// With the session, the capabilities the tagged OK told, where it told them, and whether
/// `lines` went out behind a LOGIN (see [`open_session_pipelining`]).
async fn authenticate(
    mut client: Client<Tls>,
    caps: &[String],
    login: &Login,
    lines: &str,
) -> Result<(Session<Tls>, Option<Vec<String>>, bool), ConnectProblem> {
    // SASL-IR (RFC 4959): the first message goes with the command, a round trip less
    // than waiting for the server's empty challenge.
    let initial = caps.iter().any(|c| c == "SASL-IR");
    let password = match &login.credential {
        Credential::Password(password) => password,
        Credential::Bearer(token) => {
            let (mechanism, answer) = sasl("XOAUTH2", login.xoauth2(token), initial);
            return client
                .authenticate(mechanism, answer)
                .await
                .map(|session| (session, None, false))
                .map_err(|(err, _client)| match classify::imap_login_problem(&err) {
                    ConnectProblem::WrongPassword => ConnectProblem::SignInExpired,
                    other => other,
                });
        }
    };
    let login_disabled = caps.iter().any(|c| c == "LOGINDISABLED");
    let plain_offered = caps.iter().any(|c| c == "AUTH=PLAIN");
    let needs_plain = login_disabled || !password.is_ascii() || !login.username.is_ascii();
    let result = if needs_plain && plain_offered {
        let message = format!("\0{}\0{}", login.username, password);
        let (mechanism, answer) = sasl("PLAIN", message, initial);
        client
            .authenticate(mechanism, answer)
            .await
            .map(|session| (session, None, false))
    } else if login_disabled {
        return Err(ConnectProblem::LoginRefused {
            server_text: "LOGINDISABLED, and no AUTH=PLAIN".into(),
        });
    } else {
        let sent = !lines.is_empty() && caps.iter().any(|c| c == "ENABLE");
        if sent {
            client.get_mut().send_at_next_flush(lines.as_bytes());
        }
        // The OK's CAPABILITY code, where there is one (RFC 3501 §6.2.3).
        client
            .login_with_capabilities(&login.username, password)
            .await
            .map(|(session, told)| (session, told.map(|told| owned(&told)), sent))
    };
    result.map_err(|(err, _client)| classify::imap_login_problem(&err))
}

/// async-imap's capabilities as the texts [`capability_text`] gives.
fn owned(list: &async_imap::types::Capabilities) -> Vec<String> {
    list.iter()
        .map(|cap| match cap {
            // The same three cases as the wire type, owned.
            async_imap::types::Capability::Imap4rev1 => capability_text(&Capability::Imap4rev1),
            async_imap::types::Capability::Auth(mech) => {
                capability_text(&Capability::Auth(mech.as_str().into()))
            }
            async_imap::types::Capability::Atom(atom) => {
                capability_text(&Capability::Atom(atom.as_str().into()))
            }
        })
        .collect()
}

/// What follows AUTHENTICATE for a single-message `mechanism`, and what answers the
/// server's challenges: with `initial` (SASL-IR offered) the message itself, base64, and
/// an empty answer to any challenge; without, the message to the first challenge.
fn sasl(mechanism: &str, message: String, initial: bool) -> (String, OneAnswer) {
    use base64::Engine;
    if initial {
        let encoded = base64::engine::general_purpose::STANDARD.encode(message);
        (format!("{mechanism} {encoded}"), OneAnswer(None))
    } else {
        (mechanism.to_owned(), OneAnswer(Some(message)))
    }
}

/// A single-message SASL exchange (PLAIN, XOAUTH2): the message to the first challenge,
/// an empty answer to any later one (XOAUTH2's error challenge, RFC-less but documented by
/// Google and Microsoft, is answered empty so the server sends its NO).
struct OneAnswer(Option<String>);

impl async_imap::Authenticator for OneAnswer {
    type Response = String;
    fn process(&mut self, _challenge: &[u8]) -> String {
        self.0.take().unwrap_or_default()
    }
}

fn imap_problem(err: &ImapError) -> ConnectProblem {
    match err {
        ImapError::Io(io) => classify::io_problem(io, false),
        other => classify::other(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_imap::Authenticator;

    #[test]
    fn with_sasl_ir_the_message_goes_with_the_command() {
        let (command, mut answer) = sasl("PLAIN", "\0u\0p".into(), true);
        assert_eq!(command, "PLAIN AHUAcA==");
        // A challenge after it (XOAUTH2's error) is answered empty, so the server says NO.
        assert_eq!(answer.process(b"{\"status\":\"401\"}"), "");
        let (command, mut answer) = sasl("PLAIN", "\0u\0p".into(), false);
        assert_eq!(command, "PLAIN");
        assert_eq!(answer.process(b""), "\0u\0p");
        assert_eq!(answer.process(b""), "");
    }
}
