//! Starts this process's sync scheduler, IDLE watcher, write-back worker (readers'
//! actions to the server) and send worker (drafts on their way out) beside the web server, and stops them cleanly. Leases carry a
//! per-process owner id, so several processes can share one PostgreSQL database. The
//! owner id begins with this *instance* — host name and the address the process listens
//! on, which only one live process can hold — so a process restarted after a crash takes
//! its predecessor's leases back at once.

use services::{
    AppState,
    config::Config,
    mail_actions::{self, ActionWorker, ActionWorkerHandle, WorkerConfig},
    sending::{self, SendConfig, SendWorker, SendWorkerHandle},
    sync::{
        IdleConfig, IdleWatcher, Scheduler, SchedulerConfig, SchedulerHandle, SyncEngine, schedule,
    },
};
use std::{net::SocketAddr, sync::Arc, time::Duration};

/// The sync tasks of this process.
pub struct SyncTasks {
    scheduler: SchedulerHandle,
    idle: Option<tokio::task::JoinHandle<()>>,
    actions: ActionWorkerHandle,
    sends: SendWorkerHandle,
}

impl SyncTasks {
    /// The clean stop (SIGTERM, Ctrl-C): no new runs, running ones get a bounded grace to
    /// finish, the rest are cancelled and their leases given back, due at once.
    pub async fn shutdown(self) {
        if let Some(idle) = self.idle {
            idle.abort();
        }
        self.actions.shutdown().await;
        self.sends.shutdown().await;
        let report = self.scheduler.shutdown().await;
        tracing::info!(
            finished = report.finished.len(),
            cancelled = report.cancelled.len(),
            "sync scheduler stopped"
        );
    }
}

/// Starts the scheduler (and IDLE watcher) for a process listening on `listening`.
pub async fn start(config: &Config, state: &AppState, listening: SocketAddr) -> SyncTasks {
    let mut engine = SyncEngine::new(
        state.db.clone(),
        state.master_key.clone(),
        state.mail_trust.clone(),
        config.sync.connections_per_host,
    );
    engine.connect_timeout = state.connect_timeout.max(Duration::from_secs(10));
    engine.oauth = state.oauth.clone();
    engine.limits.max_message_bytes =
        i64::try_from(config.sync.max_message_mb.saturating_mul(1 << 20)).unwrap_or(i64::MAX);
    engine.limits.run_deadline = Duration::from_secs(config.sync.run_deadline_secs);
    engine.limits.mailbox_quota_bytes =
        i64::try_from(config.sync.mailbox_quota_mb.saturating_mul(1 << 20)).unwrap_or(i64::MAX);
    let process = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
    let owner = match instance(listening) {
        Some(instance) => {
            let owner = format!("{instance}{process}");
            match schedule::release_instance(&state.db, &instance, &owner).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(released = n, "leases of the previous process taken back"),
                Err(err) => {
                    tracing::warn!(%err, "taking back the previous process's leases failed")
                }
            }
            if let Err(err) = mail_actions::release_instance(&state.db, &instance, &owner).await {
                tracing::warn!(%err, "taking back the previous process's write-backs failed");
            }
            if let Err(err) = sending::release_instance(&state.db, &instance, &owner).await {
                tracing::warn!(%err, "taking back the previous process's sends failed");
            }
            owner
        }
        None => process,
    };
    tracing::info!(%owner, concurrency = config.sync.concurrency, "sync scheduler started");
    let idle = (config.sync.idle_max > 0).then(|| {
        IdleWatcher::new(
            engine.clone(),
            state.sync_waker.clone(),
            IdleConfig {
                max_connections: config.sync.idle_max,
                ..IdleConfig::default()
            },
        )
        .spawn()
    });
    let actions = ActionWorker::new(
        engine.clone(),
        state.sync_waker.clone(),
        state.action_waker.clone(),
        owner.clone(),
        WorkerConfig::default(),
    )
    .spawn();
    let sends = SendWorker::new(
        engine.clone(),
        state.send_waker.clone(),
        owner.clone(),
        SendConfig::default(),
    )
    .spawn();
    let scheduler = Scheduler::new(
        state.db.clone(),
        owner,
        Arc::new(engine),
        SchedulerConfig {
            concurrency: config.sync.concurrency,
            poll: Duration::from_secs(config.sync.poll_secs),
            shutdown_grace: Duration::from_secs(config.sync.shutdown_grace_secs),
            lease: Duration::from_secs(config.sync.lease_secs),
            renew_every: Duration::from_secs(config.sync.lease_secs / 3),
        },
        state.sync_waker.clone(),
    )
    .spawn();
    SyncTasks {
        scheduler,
        idle,
        actions,
        sends,
    }
}

/// `host|address#`: the prefix of this instance's lease owners, or None when the host
/// name is unknown (then leases of a crashed process simply lapse).
fn instance(listening: SocketAddr) -> Option<String> {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())?;
    let host = host.trim();
    (!host.is_empty()).then(|| format!("{host}|{listening}#"))
}
