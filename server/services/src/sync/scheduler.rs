//! The scheduler task: claims due mailboxes from the database, runs at most `concurrency`
//! of them at once, records each outcome, and sleeps until the next due time, a wake-up
//! (Connect, **Sync now**, a plan change) or the poll interval (other processes' changes).
//! Web requests never touch IMAP: they write the schedule and call [`SyncWaker::wake`].
//!
//! Leases are short (30 s) and renewed every 10 s by a heartbeat task of their own, so a
//! busy claim loop never lets a live run's lease lapse, and a crashed process's mailboxes
//! are taken over within seconds. A lease the heartbeat finds taken over stops its run.
//! [`SchedulerHandle::shutdown`] stops claiming, lets the runs finish within a bounded
//! grace, cancels the rest and gives their leases back, due at once.

mod heartbeat;
mod runs;
mod shutdown;

use super::{run::SyncEngine, run_task::RunTask, schedule};
use chrono::Utc;
use futures_util::future::BoxFuture;
use heartbeat::{Leases, heartbeat, lock};
use runs::Runs;
use sea_orm::DatabaseConnection;
pub use shutdown::{SchedulerHandle, ShutdownReport};
use std::{sync::Arc, time::Duration};
use tokio::{
    sync::{Notify, mpsc, watch},
    task::JoinError,
};

/// What runs one mailbox's sync. The engine in production; a fake in scheduler tests
/// and benchmarks (no IMAP).
pub trait SyncRunner: Send + Sync + 'static {
    fn run(&self, mailbox_id: i64) -> BoxFuture<'static, schedule::Outcome>;
}

impl SyncRunner for SyncEngine {
    fn run(&self, mailbox_id: i64) -> BoxFuture<'static, schedule::Outcome> {
        let engine = self.clone();
        Box::pin(async move { engine.sync_mailbox(mailbox_id).await })
    }
}

/// Wakes this process's scheduler (a permit is kept if it is busy) and its IDLE watcher
/// (which then looks at once for mailboxes to watch: connected, plan upgraded).
#[derive(Clone, Debug, Default)]
pub struct SyncWaker {
    scheduler: Arc<Notify>,
    watcher: Arc<Notify>,
}

impl SyncWaker {
    pub fn wake(&self) {
        self.scheduler.notify_one();
        self.watcher.notify_one();
    }

    /// Wakes the scheduler only (new mail seen by IDLE: the watched set is unchanged).
    pub(crate) fn wake_scheduler(&self) {
        self.scheduler.notify_one();
    }

    /// Resolves at the next [`wake`](Self::wake) meant for the IDLE watcher.
    pub(crate) async fn watcher_woken(&self) {
        self.watcher.notified().await;
    }
}

#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    /// Mailboxes synced at once by this process.
    pub concurrency: usize,
    /// How long a claim holds without renewal: how soon a crashed holder is taken over.
    pub lease: Duration,
    /// How often the heartbeat renews the leases of running syncs (well within `lease`).
    pub renew_every: Duration,
    /// Longest sleep between looks at the database.
    pub poll: Duration,
    /// On shutdown, how long running syncs may take to finish before they are cancelled.
    pub shutdown_grace: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            concurrency: 4,
            lease: Duration::from_secs(30),
            renew_every: Duration::from_secs(10),
            poll: Duration::from_secs(15),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}
pub struct Scheduler {
    db: DatabaseConnection,
    owner: String,
    runner: Arc<dyn SyncRunner>,
    config: SchedulerConfig,
    waker: SyncWaker,
}
impl Scheduler {
    /// `owner` names this process in leases (unique per process).
    pub fn new(
        db: DatabaseConnection,
        owner: String,
        runner: Arc<dyn SyncRunner>,
        config: SchedulerConfig,
        waker: SyncWaker,
    ) -> Self {
        Scheduler {
            db,
            owner,
            runner,
            config,
            waker,
        }
    }

    pub fn spawn(self) -> SchedulerHandle {
        let (stop, stopped) = watch::channel(false);
        SchedulerHandle {
            task: tokio::spawn(self.run(stopped)),
            stop,
        }
    }

    fn lease(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.config.lease).unwrap_or(chrono::Duration::seconds(30))
    }

    async fn run(self, mut stopped: watch::Receiver<bool>) -> ShutdownReport {
        let leases: Leases = Arc::default();
        let (lost_tx, mut lost_rx) = mpsc::unbounded_channel();
        // Aborted when this task ends (or is aborted): the heartbeat never outlives it.
        let heartbeat = RunTask::spawn(heartbeat(
            self.db.clone(),
            self.owner.clone(),
            leases.clone(),
            self.lease(),
            self.config.renew_every,
            lost_tx,
        ));
        let mut runs = Runs::default();
        // A dropped handle detaches the scheduler (it runs on, like a dropped JoinHandle).
        let mut stop_open = true;
        loop {
            if *stopped.borrow() {
                break;
            }
            let free = self.config.concurrency.max(1).saturating_sub(runs.len());
            let mut claimed_all = false;
            if free > 0 {
                let now = Utc::now();
                match schedule::claim_due(&self.db, &self.owner, now, self.lease(), free as u64)
                    .await
                {
                    Ok(ids) => {
                        claimed_all = !ids.is_empty() && ids.len() == free;
                        for id in ids {
                            lock(&leases).insert(id);
                            runs.start(&self.runner, id, now);
                        }
                    }
                    Err(err) => tracing::warn!(%err, "scheduler: claiming due mailboxes failed"),
                }
            }
            if claimed_all && runs.len() < self.config.concurrency.max(1) {
                continue;
            }
            let sleep = if runs.len() >= self.config.concurrency.max(1) {
                // Full: a finishing run ends the sleep.
                self.config.poll
            } else {
                // Never spin: a due mailbox another process took is looked at again shortly.
                self.sleep_for().await.max(Duration::from_millis(5))
            };
            tokio::select! {
                Some(done) = runs.set.join_next_with_id(), if !runs.is_empty() => {
                    self.record(&mut runs, &leases, done).await;
                }
                Some(id) = lost_rx.recv() => {
                    if runs.cancel(id) {
                        tracing::warn!(mailbox = id, "scheduler: lease taken over, run stopped");
                    }
                }
                () = self.waker.scheduler.notified() => {}
                () = tokio::time::sleep(sleep) => {}
                changed = stopped.changed(), if stop_open => stop_open = changed.is_ok(),
            }
        }
        let report = self.drain(&mut runs, &leases).await;
        drop(heartbeat);
        report
    }

    /// Records a finished run's outcome (a panicking run counts as a failure).
    async fn record(
        &self,
        runs: &mut Runs,
        leases: &Leases,
        done: Result<(tokio::task::Id, schedule::Outcome), JoinError>,
    ) {
        let (task, outcome) = match done {
            Ok((task, outcome)) => (task, Some(outcome)),
            Err(err) if err.is_panic() => (
                err.id(),
                Some(schedule::Outcome::Failed {
                    error: format!("sync task failed: {err}"),
                }),
            ),
            // Cancelled because its lease was taken over: the new holder records it.
            Err(err) => (err.id(), None),
        };
        let Some(run) = runs.remove(task) else {
            return;
        };
        if let Some(outcome) = outcome {
            let finished = schedule::finish(
                &self.db,
                run.mailbox,
                &self.owner,
                outcome,
                run.claimed_at,
                Utc::now(),
            );
            if let Err(err) = finished.await {
                tracing::warn!(%err, mailbox = run.mailbox, "scheduler: recording the outcome failed");
            }
        }
        lock(leases).remove(&run.mailbox);
    }

    /// Until the next due mailbox (or lapsing lease), at most the poll interval.
    async fn sleep_for(&self) -> Duration {
        let cap = self.config.poll;
        match schedule::next_due(&self.db).await {
            Ok(Some(at)) => (at - Utc::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(cap),
            Ok(None) => cap,
            Err(err) => {
                tracing::warn!(%err, "scheduler: reading the next due time failed");
                cap
            }
        }
    }
}
