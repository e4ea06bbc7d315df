//! The send worker: a background task beside the sync scheduler that sends queued drafts
//! when their undo-send delay (or retry wait) is over. It wakes when a draft is queued or
//! taken back ([`SendWaker`]), when the next one falls due, or every poll interval
//! (drafts queued by other processes on the same database). Everything it knows is in the
//! `drafts` rows, so a restart loses nothing: a queued draft is sent by whichever process
//! runs next, a claim of a crashed process is taken over when its lease runs out.
//!
//! Retries are kept in the rows (`attempts`, `send_at`), doubling from `first_delay`, like
//! the write-back worker's; an in-process retry crate could not keep them across restarts.

use super::{SendWaker, attempt::attempt, outbox, sent_copies, server_drafts};
use crate::sync::SyncEngine;
use chrono::{DateTime, Utc};
use std::{collections::HashMap, sync::Arc, time::Duration};
use tokio::{sync::watch, task::JoinSet};

#[derive(Clone, Debug)]
pub struct SendConfig {
    /// Automatic attempts for transient problems before a draft fails and waits for the user.
    pub max_attempts: u32,
    /// The wait after the first transient failure; each further one doubles it.
    pub first_delay: Duration,
    /// Longest sleep between looks at the database (other processes' drafts).
    pub poll: Duration,
    /// Drafts sent at once by this process.
    pub concurrency: usize,
    /// How long a claim holds: how soon a crashed process's sends are taken over.
    pub lease: Duration,
    /// Bound on one SMTP command; the message itself gets `message_limit`.
    pub command_limit: Duration,
    pub message_limit: Duration,
    /// On shutdown, how long running attempts may take to finish.
    pub shutdown_grace: Duration,
    /// How long after the last save a draft is copied to the server's Drafts folder.
    pub server_draft_quiet: Duration,
}

impl Default for SendConfig {
    fn default() -> Self {
        SendConfig {
            max_attempts: 4,
            first_delay: Duration::from_secs(30),
            poll: Duration::from_secs(30),
            concurrency: 4,
            lease: Duration::from_secs(5 * 60),
            command_limit: Duration::from_secs(60),
            message_limit: Duration::from_secs(3 * 60),
            shutdown_grace: Duration::from_secs(10),
            server_draft_quiet: Duration::from_secs(5),
        }
    }
}

/// What every attempt of this process shares.
#[derive(Clone)]
pub(super) struct Ctx {
    pub engine: Arc<SyncEngine>,
    pub owner: String,
    pub config: SendConfig,
}

pub struct SendWorker {
    ctx: Ctx,
    waker: SendWaker,
}

/// Stops the worker: [`SendWorkerHandle::shutdown`].
pub struct SendWorkerHandle {
    task: tokio::task::JoinHandle<()>,
    stop: watch::Sender<bool>,
}

impl SendWorker {
    /// Sends with `engine`'s database, key and trust (address policy, TLS roots); `owner`
    /// names this process in claims (unique per process).
    pub fn new(engine: SyncEngine, waker: SendWaker, owner: String, config: SendConfig) -> Self {
        SendWorker {
            ctx: Ctx {
                engine: Arc::new(engine),
                owner,
                config,
            },
            waker,
        }
    }

    pub fn spawn(self) -> SendWorkerHandle {
        let (stop, stopped) = watch::channel(false);
        SendWorkerHandle {
            task: tokio::spawn(self.run(stopped)),
            stop,
        }
    }

    async fn run(self, mut stopped: watch::Receiver<bool>) {
        let config = &self.ctx.config;
        let db = &self.ctx.engine.db;
        let mut tasks: JoinSet<()> = JoinSet::new();
        let mut running: HashMap<tokio::task::Id, i64> = HashMap::new();
        let mut stop_open = true;
        // The one pass over the server's Drafts and Sent folders of this process, while it runs.
        let mut copying: Option<tokio::task::Id> = None;
        loop {
            if *stopped.borrow() {
                break;
            }
            let free = config.concurrency.max(1).saturating_sub(running.len());
            if free > 0 {
                let busy: Vec<i64> = running.values().copied().collect();
                match outbox::claim_due(db, &self.ctx.owner, config.lease, free, &busy).await {
                    Ok(claimed) => {
                        for row in claimed {
                            let ctx = self.ctx.clone();
                            let id = row.id;
                            let handle = tasks
                                .spawn(async move { renewed(&ctx, id, attempt(&ctx, row)).await });
                            running.insert(handle.id(), id);
                        }
                    }
                    Err(err) => tracing::warn!(%err, "send worker: reading the outbox failed"),
                }
            }
            // When the next pass is due (none while one runs): read once, for
            // starting the pass and for the sleep.
            let mut copy_at = match copying {
                Some(_) => None,
                None => self.next_copy().await,
            };
            if copy_at.is_some_and(|at| at <= Utc::now()) {
                copy_at = None;
                let engine = self.ctx.engine.clone();
                let quiet = config.server_draft_quiet;
                let (pause, first_delay) = (config.poll, config.first_delay);
                let handle = tasks.spawn(async move {
                    let drafts = server_drafts::pass(&engine, quiet)
                        .await
                        .unwrap_or_else(|err| {
                            tracing::warn!(%err, "server Drafts pass failed");
                            1
                        });
                    let copies = sent_copies::pass(&engine, first_delay)
                        .await
                        .unwrap_or_else(|err| {
                            tracing::warn!(%err, "copies in Sent: the pass failed");
                            1
                        });
                    let failed = drafts + copies;
                    if failed > 0 {
                        // A server that refused now is not asked again at once: the pass
                        // keeps its slot for a poll interval.
                        tokio::time::sleep(pause).await;
                    }
                });
                copying = Some(handle.id());
            }
            let sleep = self.sleep_for(copy_at).await.max(Duration::from_millis(5));
            tokio::select! {
                Some(done) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                    let (id, panicked) = match done {
                        Ok((id, ())) => (id, false),
                        Err(err) => {
                            tracing::warn!(%err, "send worker: an attempt stopped");
                            (err.id(), err.is_panic())
                        }
                    };
                    if let Some(draft) = running.remove(&id)
                        && panicked
                        && let Err(err) = outbox::lease_ends_now(db, draft, &self.ctx.owner).await
                    {
                        tracing::warn!(draft, %err, "send worker: ending a panicked claim failed");
                    }
                    if copying == Some(id) {
                        copying = None;
                    }
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
        if let Err(err) = outbox::release(db, &self.ctx.owner).await {
            tracing::warn!(%err, "send worker: giving the claims back failed");
        }
    }

    /// Until the next draft (or the pass over Drafts and Sent at `copy`) falls due, at most the
    /// poll interval.
    async fn sleep_for(&self, copy: Option<DateTime<Utc>>) -> Duration {
        let now = Utc::now();
        let due = outbox::next_due(&self.ctx.engine.db)
            .await
            .unwrap_or_else(|err| {
                tracing::warn!(%err, "send worker: reading the next due time failed");
                None
            });
        let poll = self.ctx.config.poll;
        [due, copy]
            .into_iter()
            .flatten()
            .min()
            .map_or(poll, |at| (at - now).to_std().unwrap_or_default().min(poll))
    }

    /// When the next pass over the server's folders has work (a copy in Drafts, or a
    /// copy in Sent to file again), if any is waiting.
    async fn next_copy(&self) -> Option<DateTime<Utc>> {
        let db = &self.ctx.engine.db;
        let drafts = server_drafts::next_due(db, self.ctx.config.server_draft_quiet)
            .await
            .unwrap_or_else(|err| {
                tracing::warn!(%err, "send worker: reading the Drafts copies failed");
                None
            });
        let sent = sent_copies::next_due(db).await.unwrap_or_else(|err| {
            tracing::warn!(%err, "send worker: reading the copies in Sent failed");
            None
        });
        drafts.into_iter().chain(sent).min()
    }
}

/// Runs an attempt while its claim is renewed every third of the lease: an attempt that
/// takes longer than the lease (a slow server, a large message, many recipients) is never
/// taken over, and its message sent a second time, by another process while it still runs.
/// A process that dies stops renewing, and its claims run out as before.
async fn renewed(ctx: &Ctx, draft: i64, attempt: impl Future<Output = ()>) {
    let lease = ctx.config.lease;
    let renewing = async {
        loop {
            tokio::time::sleep(lease / 3).await;
            if let Err(err) = outbox::renew(&ctx.engine.db, draft, &ctx.owner, lease).await {
                tracing::warn!(draft, %err, "send worker: renewing a claim failed");
            }
        }
    };
    tokio::select! {
        () = attempt => {}
        _ = renewing => {}
    }
}

impl SendWorkerHandle {
    /// The clean stop: nothing new is claimed, running attempts get the grace to finish,
    /// the rest are cancelled and their claims given back.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(err) = self.task.await
            && err.is_panic()
        {
            tracing::warn!(%err, "send worker stopped by a panic");
        }
    }
}
