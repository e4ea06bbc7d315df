//! The clean stop: [`SchedulerHandle::shutdown`] stops claiming, lets the runs finish
//! within a bounded grace, cancels the rest and gives their leases back, due at once.

use super::{Leases, Runs, Scheduler, schedule};
use chrono::Utc;
use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};
use tokio::{
    sync::watch,
    task::{JoinError, JoinHandle},
};

/// What a shutdown did with the runs under way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Runs that finished within the grace and recorded their outcome.
    pub finished: Vec<i64>,
    /// Runs cancelled at the end of the grace; their leases were given back, due at once.
    pub cancelled: Vec<i64>,
}
/// The running scheduler. Awaiting it waits for the task's end; [`abort`](Self::abort)
/// stops everything at once without giving leases back (what a crash does);
/// [`shutdown`](Self::shutdown) is the clean stop.
pub struct SchedulerHandle {
    pub(super) task: JoinHandle<ShutdownReport>,
    pub(super) stop: watch::Sender<bool>,
}

impl SchedulerHandle {
    /// Stops claiming, waits up to the grace for running syncs, cancels the rest and gives
    /// their leases back.
    pub async fn shutdown(self) -> ShutdownReport {
        let _ = self.stop.send(true);
        match self.task.await {
            Ok(report) => report,
            Err(err) => {
                tracing::warn!(%err, "scheduler: the task ended abnormally");
                ShutdownReport::default()
            }
        }
    }

    pub fn abort(&self) {
        self.task.abort();
    }
}

impl Future for SchedulerHandle {
    type Output = Result<(), JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.task).poll(cx).map_ok(|_| ())
    }
}
impl Scheduler {
    /// The clean stop: runs get the grace to finish, the rest are cancelled and their
    /// leases given back (the heartbeat keeps them alive until then).
    pub(super) async fn drain(&self, runs: &mut Runs, leases: &Leases) -> ShutdownReport {
        let mut report = ShutdownReport::default();
        let deadline = tokio::time::Instant::now() + self.config.shutdown_grace;
        while !runs.is_empty() {
            match tokio::time::timeout_at(deadline, runs.set.join_next_with_id()).await {
                Ok(Some(done)) => {
                    let id = done.as_ref().map_or_else(|e| e.id(), |(id, _)| *id);
                    if let Some(run) = runs.by_task.get(&id).map(|(run, _)| *run) {
                        report.finished.push(run.mailbox);
                    }
                    self.record(runs, leases, done).await;
                }
                Ok(None) | Err(_) => break,
            }
        }
        let left: Vec<i64> = runs.by_task.values().map(|(run, _)| run.mailbox).collect();
        runs.set.shutdown().await;
        if !left.is_empty() {
            match schedule::release(&self.db, &self.owner, &left, Utc::now()).await {
                Ok(n) => {
                    tracing::info!(released = n, "scheduler: cancelled runs' leases given back")
                }
                Err(err) => tracing::warn!(%err, "scheduler: giving leases back failed"),
            }
        }
        report.cancelled = left;
        report.finished.sort_unstable();
        report.cancelled.sort_unstable();
        report
    }
}
