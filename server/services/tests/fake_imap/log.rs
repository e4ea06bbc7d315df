//! What the fake server saw: each connection's commands, and how many connections it had
//! open at once.

use std::sync::{
    Mutex,
    atomic::{AtomicUsize, Ordering},
};
use tokio::sync::Notify;

/// The commands of each connection, in the order the connections came, and the
/// connections open now and at most.
#[derive(Default)]
pub struct CommandLog {
    commands: Mutex<Vec<Vec<String>>>,
    open: AtomicUsize,
    peak: AtomicUsize,
    closed: Notify,
}

impl CommandLog {
    /// A new connection, open until [`CommandLog::closed`]: its place in the log.
    pub fn connection(&self) -> usize {
        let open = self.open.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(open, Ordering::SeqCst);
        let mut log = self.commands.lock().unwrap();
        log.push(Vec::new());
        log.len() - 1
    }

    /// The server is done with a connection (it answered LOGOUT, or the client left).
    pub fn closed(&self) {
        self.open.fetch_sub(1, Ordering::SeqCst);
        self.closed.notify_waiters();
    }

    /// Waits until no connection is open.
    pub async fn idle(&self) {
        loop {
            let closed = self.closed.notified();
            if self.open.load(Ordering::SeqCst) == 0 {
                return;
            }
            closed.await;
        }
    }

    /// Counts the most connections open at once from now on.
    pub fn reset_peak(&self) {
        self.peak
            .store(self.open.load(Ordering::SeqCst), Ordering::SeqCst);
    }

    pub fn push(&self, connection: usize, command: String) {
        self.commands.lock().unwrap()[connection].push(command);
    }

    /// Every command, each connection's in order, connections in the order they came.
    pub fn all(&self) -> Vec<String> {
        self.commands.lock().unwrap().concat()
    }

    /// The most connections open at once so far.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}
