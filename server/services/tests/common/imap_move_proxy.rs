//! A loopback IMAPS proxy in front of the mail stack's Dovecot that plays a server
//! without MOVE (RFC 6851): it takes `MOVE` out of every CAPABILITY the app reads, and it
//! can cut the app's connection at its next `\Deleted` stores, after the move's UID COPY
//! went through and before the message left its folder; at a UID COPY, before Dovecot
//! sees it; or after Dovecot's answer to one, which the app then never reads. It can also
//! have a UID COPY refused (sent on to a folder that does not exist), or cut at an
//! EXAMINE. For the "dropped mid-move" tests.
//!
//! TLS is terminated with the stack's own certificate (the app trusts the stack's CA;
//! verification stays on) and opened again to Dovecot's IMAPS port; the dialogue is
//! relayed line by line (the write-back's commands carry no literals). Bounded: the
//! accept loop and every connection live in one task aborted when the proxy is dropped,
//! and every read waits at most the SMTP proxy's idle bound.

#![allow(dead_code)]

use super::smtp_cut_proxy::{Stop, acceptor, both_ends, read_line, write};
use std::{
    net::SocketAddr,
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};
use tokio::{
    io::{AsyncRead, AsyncWrite, BufReader, ReadHalf, WriteHalf},
    net::{TcpListener, TcpStream},
    task::{JoinHandle, JoinSet},
};
use tokio_rustls::{TlsAcceptor, TlsConnector};

pub struct ImapMoveProxy {
    pub port: u16,
    pub seen: Arc<Seen>,
    task: JoinHandle<()>,
}

/// What the proxy saw and does, over all its connections.
#[derive(Debug, Default)]
pub struct Seen {
    /// How many of the next `\Deleted` stores cut their connection (then it relays again).
    pub cuts_at_delete: AtomicU64,
    /// How many of the next UID COPY commands cut their connection before Dovecot sees
    /// them.
    pub cuts_before_copy: AtomicU64,
    /// How many of the next UID COPY commands Dovecot runs, their answer lost in a cut.
    pub cuts_after_copy: AtomicU64,
    /// How many of the next UID COPY commands Dovecot refuses (sent on to a folder that
    /// does not exist: `NO [TRYCREATE]`).
    pub refused_copies: AtomicU64,
    /// How many of the next EXAMINE commands cut their connection (a write-back EXAMINEs
    /// only the target of a COPY in doubt).
    pub cuts_at_examine: AtomicU64,
    /// UID COPY commands Dovecot got.
    pub copies: AtomicU64,
    /// Connections cut on purpose.
    pub cuts: AtomicU64,
}

impl Seen {
    pub fn copies(&self) -> u64 {
        self.copies.load(Ordering::SeqCst)
    }
    pub fn cuts(&self) -> u64 {
        self.cuts.load(Ordering::SeqCst)
    }
}

impl Drop for ImapMoveProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ImapMoveProxy {
    /// A proxy on `127.0.0.1:<free port>` in front of Dovecot's IMAPS port `upstream_port`
    /// (on 127.0.0.1). `tls_dir` holds the stack's `ca.pem`, `server.pem`, `server.key`.
    pub async fn start(tls_dir: &Path, upstream_port: u16) -> ImapMoveProxy {
        let acceptor = acceptor(tls_dir);
        let connector = services::mail::tls::MailTrust::new(Some(&tls_dir.join("ca.pem")))
            .unwrap()
            .connector();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Seen::default());
        let s = seen.clone();
        let upstream = SocketAddr::from(([127, 0, 0, 1], upstream_port));
        let task = tokio::spawn(async move {
            // Owned here: aborting this task drops the set, which aborts every connection.
            let mut conns = JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                let (acceptor, connector, seen) = (acceptor.clone(), connector.clone(), s.clone());
                conns.spawn(async move {
                    let _ = serve(client, upstream, acceptor, connector, seen).await;
                });
            }
        });
        ImapMoveProxy { port, seen, task }
    }
}

async fn serve(
    client: TcpStream,
    upstream: SocketAddr,
    acceptor: TlsAcceptor,
    connector: TlsConnector,
    seen: Arc<Seen>,
) -> Result<(), Stop> {
    let (client, server) = both_ends(client, upstream, &acceptor, &connector).await?;
    let (cr, cw) = tokio::io::split(client);
    let (sr, sw) = tokio::io::split(server);
    // Whichever direction stops first ends both: dropping the halves closes both
    // connections at once (no goodbye towards the app: a cut).
    // The tag of a UID COPY whose answer is to be lost.
    let lost = Mutex::new(None);
    tokio::select! {
        r = up(BufReader::new(cr), sw, &seen, &lost) => r,
        r = down(BufReader::new(sr), cw, &seen, &lost) => r,
    }
}

/// Takes one of an armed count's cuts, if any is left.
fn armed(count: &AtomicU64) -> bool {
    count
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

/// App → Dovecot: counts the copies, cuts at the armed `\Deleted` or UID COPY.
async fn up<R, W>(
    mut from: BufReader<ReadHalf<R>>,
    mut to: WriteHalf<W>,
    seen: &Seen,
    lost: &Mutex<Option<String>>,
) -> Result<(), Stop>
where
    R: AsyncRead + AsyncWrite + Unpin,
    W: AsyncRead + AsyncWrite + Unpin,
{
    let mut line = Vec::new();
    loop {
        read_line(&mut from, &mut line).await?;
        let upper = String::from_utf8_lossy(&line).to_ascii_uppercase();
        if upper.contains(" UID STORE ")
            && upper.contains("\\DELETED")
            && armed(&seen.cuts_at_delete)
        {
            seen.cuts.fetch_add(1, Ordering::SeqCst);
            return Err("cut at the delete");
        }
        if upper.contains(" EXAMINE ") && armed(&seen.cuts_at_examine) {
            seen.cuts.fetch_add(1, Ordering::SeqCst);
            return Err("cut at the examine");
        }
        if upper.contains(" UID COPY ") {
            if armed(&seen.cuts_before_copy) {
                seen.cuts.fetch_add(1, Ordering::SeqCst);
                return Err("cut before the copy");
            }
            if armed(&seen.refused_copies) {
                let text = String::from_utf8_lossy(&line);
                let (command, _target) = text.trim_end().rsplit_once(' ').unwrap();
                let refused = format!("{command} \"No such folder here\"\r\n");
                write(&mut to, refused.as_bytes()).await?;
                continue;
            }
            if armed(&seen.cuts_after_copy) {
                let tag = upper.split(' ').next().unwrap_or_default().to_owned();
                *lost.lock().unwrap() = Some(format!("{tag} "));
            }
            seen.copies.fetch_add(1, Ordering::SeqCst);
        }
        write(&mut to, &line).await?;
    }
}

/// Dovecot → app: every CAPABILITY without MOVE; cuts at the answer to be lost.
async fn down<R, W>(
    mut from: BufReader<ReadHalf<R>>,
    mut to: WriteHalf<W>,
    seen: &Seen,
    lost: &Mutex<Option<String>>,
) -> Result<(), Stop>
where
    R: AsyncRead + AsyncWrite + Unpin,
    W: AsyncRead + AsyncWrite + Unpin,
{
    let mut line = Vec::new();
    loop {
        read_line(&mut from, &mut line).await?;
        let text = String::from_utf8_lossy(&line);
        let answered = lost
            .lock()
            .unwrap()
            .as_ref()
            .is_some_and(|tag| text.to_ascii_uppercase().starts_with(tag.as_str()));
        if answered {
            seen.cuts.fetch_add(1, Ordering::SeqCst);
            return Err("cut at the copy's answer");
        }
        // The CAPABILITY answer and response codes (`[CAPABILITY …]`), not a message's text.
        if text.starts_with("* CAPABILITY ") || text.contains("[CAPABILITY ") {
            // `MOVE` last in a response code: `… MOVE] Logged in`.
            let text = text.trim_end().replace(" MOVE]", "]");
            let kept: Vec<&str> = text
                .split(' ')
                .filter(|word| !word.eq_ignore_ascii_case("MOVE"))
                .collect();
            write(&mut to, format!("{}\r\n", kept.join(" ")).as_bytes()).await?;
        } else {
            write(&mut to, &line).await?;
        }
    }
}
