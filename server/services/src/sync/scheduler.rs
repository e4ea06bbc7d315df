//! The scheduler task: claims due mailboxes from the database, runs at most `concurrency`
//! of them at once, renews their leases while they run, records each outcome, and sleeps
//! until the next due time, a wake-up (Connect, **Sync now**, a plan change) or the poll
//! interval (other processes' changes). Web requests never touch IMAP: they write the
//! schedule and call [`SyncWaker::wake`].

use super::{run::SyncEngine, schedule};
use chrono::Utc;
use futures_util::future::BoxFuture;
use sea_orm::DatabaseConnection;
use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::{Notify, Semaphore};

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

/// Wakes the scheduler of this process (a permit is kept if it is busy).
#[derive(Clone, Debug, Default)]
pub struct SyncWaker(Arc<Notify>);

impl SyncWaker {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    /// Mailboxes synced at once by this process.
    pub concurrency: usize,
    /// How long a claim holds; renewed every third of it while the run lasts.
    pub lease: Duration,
    /// Longest sleep between looks at the database.
    pub poll: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            concurrency: 4,
            lease: Duration::from_secs(300),
            poll: Duration::from_secs(15),
        }
    }
}

pub struct Scheduler {
    db: DatabaseConnection,
    owner: String,
    runner: Arc<dyn SyncRunner>,
    config: SchedulerConfig,
    waker: SyncWaker,
    running: Arc<Mutex<HashSet<i64>>>,
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
            running: Arc::default(),
        }
    }

    /// Runs until the task is aborted.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run_forever())
    }

    async fn run_forever(self) {
        let slots = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        let lease = chrono::Duration::from_std(self.config.lease)
            .unwrap_or_else(|_| chrono::Duration::minutes(5));
        let mut last_renewal = tokio::time::Instant::now();
        loop {
            let free = slots.available_permits();
            let mut claimed_all = false;
            if free > 0 {
                match schedule::claim_due(&self.db, &self.owner, Utc::now(), lease, free as u64)
                    .await
                {
                    Ok(ids) => {
                        claimed_all = !ids.is_empty() && ids.len() == free;
                        for id in ids {
                            self.start(id, &slots);
                        }
                    }
                    Err(err) => tracing::warn!(%err, "scheduler: claiming due mailboxes failed"),
                }
            }
            if last_renewal.elapsed() >= self.config.lease / 3 {
                self.renew(lease).await;
                last_renewal = tokio::time::Instant::now();
            }
            if claimed_all && slots.available_permits() > 0 {
                continue;
            }
            let sleep = if slots.available_permits() == 0 {
                // Full: a finishing run wakes us.
                self.config.poll
            } else {
                // Never spin: a due mailbox another process took is looked at again shortly.
                self.sleep_for().await.max(Duration::from_millis(5))
            };
            tokio::select! {
                () = self.waker.0.notified() => {}
                () = tokio::time::sleep(sleep) => {}
            }
        }
    }

    fn start(&self, id: i64, slots: &Arc<Semaphore>) {
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            return;
        };
        self.lock_running().insert(id);
        let (db, owner, runner) = (self.db.clone(), self.owner.clone(), self.runner.clone());
        let (running, waker) = (self.running.clone(), self.waker.clone());
        tokio::spawn(async move {
            // A panicking run still gives its lease back (as a failure).
            let outcome =
                tokio::spawn(runner.run(id))
                    .await
                    .unwrap_or_else(|e| schedule::Outcome::Failed {
                        error: format!("sync task failed: {e}"),
                    });
            if let Err(err) = schedule::finish(&db, id, &owner, outcome, Utc::now()).await {
                tracing::warn!(%err, mailbox = id, "scheduler: recording the outcome failed");
            }
            running
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
            drop(permit);
            waker.wake();
        });
    }

    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashSet<i64>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn renew(&self, lease: chrono::Duration) {
        let ids: Vec<i64> = self.lock_running().iter().copied().collect();
        if let Err(err) = schedule::renew(&self.db, &self.owner, &ids, Utc::now() + lease).await {
            tracing::warn!(%err, "scheduler: renewing leases failed");
        }
    }

    /// Until the next due mailbox, at most the poll interval and a third of the lease.
    async fn sleep_for(&self) -> Duration {
        let cap = self.config.poll.min(self.config.lease / 3);
        match schedule::next_due(&self.db, Utc::now()).await {
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
