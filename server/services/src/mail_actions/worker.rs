//! The write-back worker: a background task beside the sync scheduler. It wakes when a
//! reader acts ([`ActionWaker`]), when a retry falls due, or every poll interval (other
//! processes' queues), claims mailboxes with write-backs due and writes each one's queue
//! over one IMAP session, a few mailboxes at once.
//!
//! Retries are kept in the database (`attempts`, `next_attempt_at`) so they survive a
//! restart and are shared by every process on one database; an in-process retry helper
//! (such as the `backon` crate) cannot hold them, so the doubling is one small function
//! (`crate::retry::backoff`, shared with the copies in Sent), in the style of the sync's
//! own back-off.

use super::{ActionWaker, batch, queue};
use crate::sync::{SyncEngine, SyncWaker};
use chrono::Utc;
use std::{
    collections::{HashMap, HashSet},
    time::Duration,
};
use tokio::{sync::watch, task::JoinSet};

#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Attempts before a write-back fails for good (and is shown).
    pub max_attempts: u32,
    /// The wait after the first failed attempt; each further one doubles it.
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// Longest sleep between looks at the database.
    pub poll: Duration,
    /// Mailboxes written at once by this process.
    pub concurrency: usize,
    /// How long a claim holds: how soon a crashed process's queue is taken over.
    pub lease: Duration,
    /// Bound on one mailbox's batch (well within `lease`).
    pub batch_deadline: Duration,
    /// On shutdown, how long running batches may take to finish.
    pub shutdown_grace: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            max_attempts: 6,
            first_delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(15 * 60),
            poll: Duration::from_secs(30),
            concurrency: 4,
            lease: Duration::from_secs(5 * 60),
            batch_deadline: Duration::from_secs(2 * 60),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

pub struct ActionWorker {
    ctx: batch::Ctx,
    waker: ActionWaker,
}

/// Stops the worker: [`ActionWorkerHandle::shutdown`].
pub struct ActionWorkerHandle {
    task: tokio::task::JoinHandle<()>,
    stop: watch::Sender<bool>,
}

impl ActionWorker {
    /// Logs in with `engine` (the sync's connection path: address policy, TLS trust,
    /// bounds); wakes the scheduler through `sync_waker` after moves. `owner` names this
    /// process in claims (unique per process).
    pub fn new(
        engine: SyncEngine,
        sync_waker: SyncWaker,
        waker: ActionWaker,
        owner: String,
        config: WorkerConfig,
    ) -> Self {
        ActionWorker {
            ctx: batch::Ctx {
                engine,
                sync_waker,
                owner,
                config,
            },
            waker,
        }
    }

    pub fn spawn(self) -> ActionWorkerHandle {
        let (stop, stopped) = watch::channel(false);
        ActionWorkerHandle {
            task: tokio::spawn(self.run(stopped)),
            stop,
        }
    }

    async fn run(self, mut stopped: watch::Receiver<bool>) {
        let config = &self.ctx.config;
        let mut tasks: JoinSet<()> = JoinSet::new();
        let mut running: HashMap<tokio::task::Id, i64> = HashMap::new();
        let mut stop_open = true;
        loop {
            if *stopped.borrow() {
                break;
            }
            let free = config.concurrency.max(1).saturating_sub(running.len());
            if free > 0 {
                let busy: HashSet<i64> = running.values().copied().collect();
                match queue::due_mailboxes(&self.ctx.engine.db, Utc::now(), &busy, free).await {
                    Ok(due) => {
                        for mailbox in due {
                            let ctx = self.ctx.clone();
                            let handle =
                                tasks.spawn(async move { batch::run(&ctx, mailbox).await });
                            running.insert(handle.id(), mailbox);
                        }
                    }
                    Err(err) => tracing::warn!(%err, "write-back: reading the queue failed"),
                }
            }
            let sleep = self.sleep_for().await.max(Duration::from_millis(5));
            tokio::select! {
                Some(done) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                    let id = match done {
                        Ok((id, ())) => id,
                        Err(err) => {
                            tracing::warn!(%err, "write-back: a batch stopped");
                            err.id()
                        }
                    };
                    running.remove(&id);
                }
                () = self.waker.woken() => {}
                () = tokio::time::sleep(sleep) => {}
                changed = stopped.changed(), if stop_open => stop_open = changed.is_ok(),
            }
        }
        let grace = tokio::time::sleep(config.shutdown_grace);
        tokio::pin!(grace);
        while !tasks.is_empty() {
            tokio::select! {
                _ = tasks.join_next() => {}
                () = &mut grace => {
                    tasks.abort_all();
                    while tasks.join_next().await.is_some() {}
                }
            }
        }
        if let Err(err) = queue::release(&self.ctx.engine.db, &self.ctx.owner).await {
            tracing::warn!(%err, "write-back: giving the claims back failed");
        }
    }

    /// Until the next write-back falls due, at most the poll interval.
    async fn sleep_for(&self) -> Duration {
        let now = Utc::now();
        let due = queue::next_due(&self.ctx.engine.db, now)
            .await
            .unwrap_or_else(|err| {
                tracing::warn!(%err, "write-back: reading the next due time failed");
                None
            });
        let poll = self.ctx.config.poll;
        due.map_or(poll, |at| (at - now).to_std().unwrap_or_default().min(poll))
    }
}

impl ActionWorkerHandle {
    /// The clean stop: nothing new is claimed, running batches get the grace to finish,
    /// the rest are cancelled and their claims given back.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(err) = self.task.await
            && err.is_panic()
        {
            tracing::warn!(%err, "write-back worker stopped by a panic");
        }
    }
}
