//! A loopback SMTPS proxy in front of the mail stack's Postfix that cuts a sending
//! connection at a precise point of the SMTP dialogue (RFC 5321 §3.3, §4.1.1.4), for the
//! "connection dropped while sending" tests.
//!
//! It terminates TLS towards the app with the stack's own server certificate (the app
//! trusts the stack's CA, so verification stays on), opens implicit TLS to Postfix's
//! SMTPS port (RFC 8314) and relays the plaintext dialogue: client lines one by one,
//! server replies whole (all lines of a multi-line reply). The app's SMTP client
//! (lettre) neither pipelines nor uses BDAT, so every DATA body is framed by a `354`
//! reply and a lone `.` line.
//!
//! The mode is read when a connection is accepted and may be switched at any time
//! (`set_mode`). Bounded: the accept loop and every connection live in one task that is
//! aborted when the proxy is dropped, and every read waits at most [`IDLE`].

#![allow(dead_code)]

use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, pem::PemObject};
use std::{
    net::SocketAddr,
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, ReadHalf, WriteHalf},
    net::{TcpListener, TcpStream},
    task::{JoinHandle, JoinSet},
};
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// Longest wait for one line from either side before the connection is given up.
const IDLE: Duration = Duration::from_secs(60);
/// Longest line accepted from either side (RFC 5321 §4.5.3.1.6: 1,000 with CRLF; some slack).
const MAX_LINE: usize = 8 * 1024;

/// Where a connection is cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpCut {
    /// Relay everything.
    Pass,
    /// Close the app's connection as soon as it is accepted, before TLS and before any
    /// byte: "the network is down". Postfix is not contacted.
    CutAtGreeting,
    /// Accept the app's connection and say nothing (no greeting) until the app closes it:
    /// an attempt stays connecting.
    Silent,
    /// Forward the whole DATA body including the final `.`, read Postfix's reply to it
    /// (`250 2.0.0 Ok: queued as …`: Postfix has the message and delivers it), then drop
    /// the app's connection without forwarding that reply.
    CutAfterAccepted,
    /// As `CutAfterAccepted`, but the app's connection is closed cleanly instead of the
    /// reply (TLS close_notify, then FIN): an end of stream, not a network error.
    ClosedAfterAccepted,
    /// As `ClosedAfterAccepted`, after a line that is no SMTP reply.
    GarbledAfterAccepted,
    /// Forward the DATA body up to the end of its header block (or its last line before
    /// the final `.`), then close both sides: Postfix never sees the final `.` and
    /// discards the message.
    CutDuringData,
}

pub struct SmtpCutProxy {
    pub addr: SocketAddr,
    mode: Arc<Mutex<SmtpCut>>,
    pub counts: Arc<Counts>,
    task: JoinHandle<()>,
}

/// What the proxy saw, over all its connections.
#[derive(Debug, Default)]
pub struct Counts {
    /// Connections accepted from the app.
    pub connections: AtomicU64,
    /// Connections cut on purpose (any mode but `Pass`).
    pub cuts: AtomicU64,
    /// Messages Postfix answered `250` to after the final `.`: queued for delivery,
    /// whether or not the reply reached the app.
    pub accepted: AtomicU64,
}

impl Counts {
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::SeqCst)
    }
    pub fn cuts(&self) -> u64 {
        self.cuts.load(Ordering::SeqCst)
    }
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for SmtpCutProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpCutProxy {
    /// A proxy on `127.0.0.1:<free port>` in front of Postfix's SMTPS port `upstream_port`
    /// (on 127.0.0.1). `tls_dir` holds the stack's `ca.pem`, `server.pem`, `server.key`.
    pub async fn start(tls_dir: &Path, upstream_port: u16, mode: SmtpCut) -> SmtpCutProxy {
        let acceptor = acceptor(tls_dir);
        let connector = services::mail::tls::MailTrust::new(Some(&tls_dir.join("ca.pem")))
            .unwrap()
            .connector();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(Mutex::new(mode));
        let counts = Arc::new(Counts::default());
        let (m, c) = (mode.clone(), counts.clone());
        let upstream = SocketAddr::from(([127, 0, 0, 1], upstream_port));
        let task = tokio::spawn(async move {
            // Owned here: aborting this task drops the set, which aborts every connection.
            let mut conns = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((client, _)) = accepted else { return };
                        c.connections.fetch_add(1, Ordering::SeqCst);
                        let mode = *m.lock().unwrap();
                        if mode == SmtpCut::CutAtGreeting {
                            c.cuts.fetch_add(1, Ordering::SeqCst);
                            drop(client);
                            continue;
                        }
                        if mode == SmtpCut::Silent {
                            conns.spawn(async move {
                                let mut client = client;
                                let mut sink = tokio::io::sink();
                                let _ = tokio::io::copy(&mut client, &mut sink).await;
                            });
                            continue;
                        }
                        let (acceptor, connector, counts) =
                            (acceptor.clone(), connector.clone(), c.clone());
                        conns.spawn(async move {
                            let _ = serve(client, upstream, acceptor, connector, mode, counts)
                                .await;
                        });
                    }
                    Some(_) = conns.join_next(), if !conns.is_empty() => {}
                }
            }
        });
        SmtpCutProxy {
            addr,
            mode,
            counts,
            task,
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The mode of connections accepted from now on.
    pub fn set_mode(&self, mode: SmtpCut) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn mode(&self) -> SmtpCut {
        *self.mode.lock().unwrap()
    }
}

/// TLS towards the app with the stack's server certificate (SANs localhost, 127.0.0.1).
pub fn acceptor(tls_dir: &Path) -> TlsAcceptor {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(tls_dir.join("server.pem"))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_file(tls_dir.join("server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    TlsAcceptor::from(Arc::new(config))
}

/// Why a relay stopped.
pub type Stop = &'static str;

async fn serve(
    client: TcpStream,
    upstream: SocketAddr,
    acceptor: TlsAcceptor,
    connector: TlsConnector,
    mode: SmtpCut,
    counts: Arc<Counts>,
) -> Result<(), Stop> {
    let (client, server) = both_ends(client, upstream, &acceptor, &connector).await?;
    let (cr, cw) = tokio::io::split(client);
    let (sr, sw) = tokio::io::split(server);
    let shared = Shared {
        mode,
        counts,
        in_data: AtomicBool::new(false),
        after_dot: AtomicBool::new(false),
    };
    // Whichever direction stops first ends both: dropping the halves closes both
    // connections at once (no TLS close_notify towards the app: a cut, not a goodbye).
    let result = tokio::select! {
        r = up(BufReader::new(cr), sw, &shared) => r,
        r = down(BufReader::new(sr), cw, &shared) => r,
    };
    result
}

/// The app's connection with TLS accepted on it, and a TLS connection to the stack's
/// server at `upstream` (its certificate checked against the stack's CA).
pub async fn both_ends(
    client: TcpStream,
    upstream: SocketAddr,
    acceptor: &TlsAcceptor,
    connector: &TlsConnector,
) -> Result<
    (
        tokio_rustls::server::TlsStream<TcpStream>,
        tokio_rustls::client::TlsStream<TcpStream>,
    ),
    Stop,
> {
    let client = bounded(acceptor.accept(client)).await?;
    let server = bounded(TcpStream::connect(upstream)).await?;
    let name = ServerName::try_from("localhost").map_err(|_| "server name")?;
    let server = bounded(connector.connect(name, server)).await?;
    Ok((client, server))
}

/// State both directions of one connection see.
struct Shared {
    mode: SmtpCut,
    counts: Arc<Counts>,
    /// Between Postfix's `354` and the app's final `.`.
    in_data: AtomicBool,
    /// The final `.` was forwarded: Postfix's next reply is its verdict on the message.
    after_dot: AtomicBool,
}

/// App → Postfix, line by line.
async fn up<R, W>(
    mut from: BufReader<ReadHalf<R>>,
    mut to: WriteHalf<W>,
    s: &Shared,
) -> Result<(), Stop>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut line = Vec::new();
    loop {
        read_line(&mut from, &mut line).await?;
        if s.in_data.load(Ordering::SeqCst) {
            let dot = line == b".\r\n";
            let header_end = line == b"\r\n";
            if s.mode == SmtpCut::CutDuringData && (header_end || dot) {
                // Part of the body went through, the final `.` never will.
                if header_end {
                    write(&mut to, &line).await?;
                }
                // Counted before either side can see the close.
                s.counts.cuts.fetch_add(1, Ordering::SeqCst);
                return Err("cut");
            }
            if dot {
                s.in_data.store(false, Ordering::SeqCst);
                // Set before the `.` leaves: Postfix's reply cannot overtake the flag.
                s.after_dot.store(true, Ordering::SeqCst);
            }
        }
        write(&mut to, &line).await?;
    }
}

/// Postfix → app, one whole reply at a time.
async fn down<R, W>(
    mut from: BufReader<ReadHalf<R>>,
    mut to: WriteHalf<W>,
    s: &Shared,
) -> Result<(), Stop>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut line = Vec::new();
    let mut reply = Vec::new();
    loop {
        reply.clear();
        // RFC 5321 §4.2.1: "250-…" continues a reply, "250 …" ends it.
        loop {
            read_line(&mut from, &mut line).await?;
            reply.extend_from_slice(&line);
            if line.get(3) != Some(&b'-') {
                break;
            }
        }
        let code = line.get(..3).unwrap_or_default();
        if code == b"354" {
            s.in_data.store(true, Ordering::SeqCst);
        }
        if s.after_dot.swap(false, Ordering::SeqCst) && code.starts_with(b"2") {
            s.counts.accepted.fetch_add(1, Ordering::SeqCst);
            // Postfix queued it; the app never hears so.
            match s.mode {
                SmtpCut::CutAfterAccepted => {
                    s.counts.cuts.fetch_add(1, Ordering::SeqCst);
                    return Err("cut");
                }
                SmtpCut::ClosedAfterAccepted | SmtpCut::GarbledAfterAccepted => {
                    s.counts.cuts.fetch_add(1, Ordering::SeqCst);
                    if s.mode == SmtpCut::GarbledAfterAccepted {
                        write(&mut to, b"all good, thanks\r\n").await?;
                    }
                    bounded(to.shutdown()).await?;
                    return Err("closed");
                }
                _ => {}
            }
        }
        write(&mut to, &reply).await?;
    }
}

/// One line with its CRLF into `line`; `Err` at the end of the stream, on silence past
/// [`IDLE`] or a line past [`MAX_LINE`].
pub async fn read_line<R: AsyncRead + Unpin>(
    from: &mut BufReader<ReadHalf<R>>,
    line: &mut Vec<u8>,
) -> Result<(), Stop> {
    line.clear();
    loop {
        let buf = bounded(from.fill_buf()).await?;
        if buf.is_empty() {
            return Err("closed");
        }
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        line.extend_from_slice(&buf[..take]);
        from.consume(take);
        if line.len() > MAX_LINE {
            return Err("line too long");
        }
        if done {
            return Ok(());
        }
    }
}

pub async fn write<W: AsyncWrite + Unpin>(to: &mut WriteHalf<W>, bytes: &[u8]) -> Result<(), Stop> {
    bounded(async {
        to.write_all(bytes).await?;
        to.flush().await
    })
    .await
}

/// `fut` within [`IDLE`], its I/O error as a reason.
pub async fn bounded<T>(fut: impl Future<Output = std::io::Result<T>>) -> Result<T, Stop> {
    match tokio::time::timeout(IDLE, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(_)) => Err("io"),
        Err(_) => Err("idle"),
    }
}
