//! The IMAP half of a login check: connect, TLS, log in, list the folders (and ask INBOX's
//! STATUS in the same round trip, `imap/inbox_seen.rs`), log out.

mod authenticate;
mod greeting;
mod inbox_seen;

use super::{CheckOptions, FolderInfo, Login, classify, folders, net};
use crate::mail::bounded_stream::{BoundedStream, StreamLimits};
use async_imap::{Client, Session, error::Error as ImapError, imap_proto::Response};
use authenticate::{answered_at_once, authenticate, owned};
use domain::{ConnectProblem, Security, ServerAddress};
use futures_util::TryStreamExt;
use greeting::{Early, Settled, capability_text, greeting};
pub use inbox_seen::{InboxSeen, take_inbox_seen};
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
    let started = std::time::Instant::now();
    let (mut session, _caps) = open_session(server, login, opts).await?;
    // Goes out with the LIST; read after it.
    session
        .get_mut()
        .send_at_next_flush(inbox_seen::STATUS_LINE);
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
    let time_left = opts.timeout.saturating_sub(started.elapsed());
    inbox_seen::read_and_remember(&mut session, server, &login.username, time_left).await;
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
/// capabilities are those the LOGIN told, or none (no CAPABILITY is asked). Over implicit
/// TLS to a server this process greeted before, the log-in (and the lines) go out before
/// its greeting comes (`imap/greeting.rs`), a round trip sooner.
pub async fn open_session_pipelining(
    server: &ServerAddress,
    login: &Login,
    opts: &CheckOptions,
    limits: StreamLimits,
    lines: &str,
) -> Result<(Session<Tls>, Vec<String>, bool), ConnectProblem> {
    match open(server, login, opts, limits, lines, true).await? {
        Some(opened) => Ok(opened),
        // An early log-in that did not take: once more, waiting for the greeting.
        None => open(server, login, opts, limits, lines, false)
            .await?
            .ok_or_else(|| classify::other("the log-in was not taken")),
    }
}

/// One connection and log-in. With `early`, over implicit TLS to a server whose offers
/// this process remembers, the log-in goes out before the greeting comes (see
/// `greeting`); `None` where it should be done again without.
async fn open(
    server: &ServerAddress,
    login: &Login,
    opts: &CheckOptions,
    limits: StreamLimits,
    lines: &str,
    early: bool,
) -> Result<Option<(Session<Tls>, Vec<String>, bool)>, ConnectProblem> {
    let addrs = net::resolve_vetted(&server.host, server.port, opts.trust.policy()).await?;
    let tcp = net::connect(&addrs).await?;
    let name = net::server_name(&server.host)?;
    let connector = opts.trust.connector();
    let key = greeting::key(server);
    let (mut client, greeting_caps, early) = match server.security {
        Security::Tls => {
            let tls = net::implicit_tls(&opts.trust, &server.host, tcp).await?;
            let mut client = Client::new(BoundedStream::new(tls, limits));
            let remembered =
                greeting::recall(&key).filter(|caps| early && answered_at_once(caps, login));
            match remembered {
                Some(caps) => {
                    client.get_mut().set_greeting_aside();
                    let early = Early::new(key.clone(), caps.clone());
                    (client, Some(caps), Some(early))
                }
                None => {
                    let caps = greeting(&mut client, false).await?;
                    (client, caps, None)
                }
            }
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
            (Client::new(BoundedStream::new(tls, limits)), None, None)
        }
    };
    let caps = match greeting_caps {
        Some(caps) => caps,
        None => capabilities(&mut client).await?,
    };
    let logged_in = match early {
        None => {
            if server.security == Security::Tls {
                greeting::remember(&key, &caps);
            }
            authenticate(client, &caps, login, lines)
                .await
                .map_err(|(problem, _)| problem)?
        }
        Some(early) => match log_in_early(early, client, &caps, login, lines).await? {
            Some(logged_in) => {
                tracing::debug!(server = %key, "mail: logged in before the greeting");
                logged_in
            }
            None => return Ok(None),
        },
    };
    let (mut session, told, sent) = logged_in;
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
    Ok(Some((session, caps, sent)))
}

/// The log-in sent before the greeting, then judged with it ([`Early::settle`]); `None`
/// where it should be done again after the greeting. Not bounded here: the caller's
/// bound on the log-in is this one's too, and a log-in not answered in time is not sent
/// again (the server's sessions then wait for its greeting, see `Early`'s drop).
async fn log_in_early(
    early: Early,
    client: Client<Tls>,
    caps: &[String],
    login: &Login,
    lines: &str,
) -> Result<Option<LoggedIn>, ConnectProblem> {
    let (outcome, greeted) = match authenticate(client, caps, login, lines).await {
        Ok(mut logged_in) => {
            let greeted = logged_in.0.get_mut().take_greeting();
            (Ok(logged_in), greeted)
        }
        Err((problem, greeted)) => (Err(problem), greeted),
    };
    match early.settle(login, greeted, outcome) {
        Settled::Done(outcome) => outcome.map(Some),
        Settled::Again => Ok(None),
    }
}

/// A session, the capabilities its log-in's OK told, whether lines went behind it.
type LoggedIn = (Session<Tls>, Option<Vec<String>>, bool);

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

fn imap_problem(err: &ImapError) -> ConnectProblem {
    match err {
        ImapError::Io(io) => classify::io_problem(io, false),
        other => classify::other(other),
    }
}
