//! A loopback TCP proxy that cuts every connection after a chosen number of bytes (both
//! directions counted), for "connection dropped mid-sync" tests; or holds it after a chosen
//! number of bytes until the test releases it, so that something (a server restart) lands
//! while the client is surely still in the middle. Bounded: it serves only while the test
//! holds it.

#![allow(dead_code)]

use super::mail_stack::Stack;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait, IntoActiveModel,
};
use services::entities::mailbox;
use std::{
    net::{SocketAddr, ToSocketAddrs},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::watch,
    task::JoinHandle,
};

pub struct CutProxy {
    pub addr: SocketAddr,
    /// Bytes each new connection may carry before it is cut (`u64::MAX`: never).
    pub limit: Arc<AtomicU64>,
    /// Connections cut so far.
    pub cuts: Arc<AtomicU64>,
    /// Connections open now, and the most open at once.
    pub open: Arc<AtomicU64>,
    pub peak: Arc<AtomicU64>,
    /// Bytes a new connection carries before it holds (`u64::MAX`: never): nothing more
    /// passes either way until [`CutProxy::release`].
    pub hold_after: Arc<AtomicU64>,
    /// Connections holding so far.
    pub held: Arc<AtomicU64>,
    released: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl CutProxy {
    pub async fn start(upstream: SocketAddr) -> CutProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let limit = Arc::new(AtomicU64::new(u64::MAX));
        let cuts = Arc::new(AtomicU64::new(0));
        let open = Arc::new(AtomicU64::new(0));
        let peak = Arc::new(AtomicU64::new(0));
        let hold_after = Arc::new(AtomicU64::new(u64::MAX));
        let held = Arc::new(AtomicU64::new(0));
        let (released, _) = watch::channel(false);
        let (l, c, o, p) = (limit.clone(), cuts.clone(), open.clone(), peak.clone());
        let (h, hd, r) = (hold_after.clone(), held.clone(), released.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let budget = l.load(Ordering::SeqCst);
                let hold = Hold {
                    after: h.load(Ordering::SeqCst),
                    held: hd.clone(),
                    counted: Arc::new(AtomicBool::new(false)),
                    released: r.subscribe(),
                };
                let (cuts, open, peak) = (c.clone(), o.clone(), p.clone());
                let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::spawn(async move {
                    if let Ok(server) = connect(upstream, hold.after != u64::MAX).await
                        && pipe(client, server, budget, hold).await
                    {
                        cuts.fetch_add(1, Ordering::SeqCst);
                    }
                    open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        CutProxy {
            addr,
            limit,
            cuts,
            open,
            peak,
            hold_after,
            held,
            released,
            task,
        }
    }

    /// Lets the connections holding go on, and no new one hold.
    pub fn release(&self) {
        self.hold_after.store(u64::MAX, Ordering::SeqCst);
        self.released.send_replace(true);
    }
}

/// A connection's hold (both directions share it): once `after` bytes passed, wait for
/// the release.
#[derive(Clone)]
struct Hold {
    after: u64,
    held: Arc<AtomicU64>,
    /// This connection is counted in `held`.
    counted: Arc<AtomicBool>,
    released: watch::Receiver<bool>,
}

impl Hold {
    /// Waits for the release if the connection carried more than `after` bytes (counting
    /// the connection once, by the direction that got there first).
    async fn past(&mut self, used: u64) {
        if used <= self.after || *self.released.borrow() {
            return;
        }
        if !self.counted.swap(true, Ordering::SeqCst) {
            self.held.fetch_add(1, Ordering::SeqCst);
        }
        // An error only says the proxy is gone.
        let _ = self.released.wait_for(|r| *r).await;
    }
}

/// Connects to the server; a connection that will hold gets a small receive window, so the
/// server can push little past the hold (its own send buffer, at most 4 MB here) instead of
/// all it was asked for into loopback's auto-tuned buffers (up to 32 MB): what a test lands
/// during the hold (a server restart) then surely meets the transfer in its middle.
async fn connect(upstream: SocketAddr, holds: bool) -> std::io::Result<TcpStream> {
    if !holds {
        return TcpStream::connect(upstream).await;
    }
    let socket = match upstream {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.set_recv_buffer_size(64 << 10)?;
    socket.connect(upstream).await
}

/// Copies both ways until either side closes or `budget` bytes passed; true if cut.
async fn pipe(client: TcpStream, server: TcpStream, budget: u64, hold: Hold) -> bool {
    let used = Arc::new(AtomicU64::new(0));
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = copy(&mut cr, &mut sw, used.clone(), budget, hold.clone());
    let down = copy(&mut sr, &mut cw, used.clone(), budget, hold);
    let cut = tokio::select! {
        cut = up => cut,
        cut = down => cut,
    };
    // Dropping the halves closes both connections at once.
    cut
}

async fn copy(
    from: &mut (impl AsyncReadExt + Unpin),
    to: &mut (impl AsyncWriteExt + Unpin),
    used: Arc<AtomicU64>,
    budget: u64,
    mut hold: Hold,
) -> bool {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => n,
        };
        let before = used.fetch_add(n as u64, Ordering::SeqCst);
        hold.past(before + n as u64).await;
        let allowed = budget.saturating_sub(before).min(n as u64) as usize;
        if allowed > 0 && to.write_all(&buf[..allowed]).await.is_err() {
            return false;
        }
        if allowed < n {
            return true;
        }
    }
}

/// The mail stack's IMAPS address over IPv4 (what a proxy forwards to).
pub fn ipv4_upstream(s: &Stack) -> SocketAddr {
    (s.host.as_str(), s.imaps)
        .to_socket_addrs()
        .unwrap()
        .find(|a| a.is_ipv4())
        .unwrap()
}

/// Points the mailbox at the proxy; the certificate names 127.0.0.1, so TLS is verified.
pub async fn through(db: &DatabaseConnection, id: i64, proxy: &CutProxy) {
    let mut row = mailbox::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    row.imap_host = Set("127.0.0.1".into());
    row.imap_port = Set(i32::from(proxy.addr.port()));
    row.update(db).await.unwrap();
}
