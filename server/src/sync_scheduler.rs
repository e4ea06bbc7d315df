//! Starts this process's sync scheduler (and IDLE watcher) beside the web server. Leases carry a per-process
//! owner id, so several processes can share one PostgreSQL database.

use services::{
    AppState,
    config::Config,
    sync::{IdleConfig, IdleWatcher, Scheduler, SchedulerConfig, SyncEngine},
};
use std::{sync::Arc, time::Duration};

pub fn start(config: &Config, state: &AppState) -> tokio::task::JoinHandle<()> {
    let mut engine = SyncEngine::new(
        state.db.clone(),
        state.master_key.clone(),
        state.mail_trust.clone(),
        config.sync.connections_per_host,
    );
    engine.connect_timeout = state.connect_timeout.max(Duration::from_secs(10));
    engine.limits.max_message_bytes =
        i64::try_from(config.sync.max_message_mb.saturating_mul(1 << 20)).unwrap_or(i64::MAX);
    let owner = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
    tracing::info!(%owner, concurrency = config.sync.concurrency, "sync scheduler started");
    if config.sync.idle_max > 0 {
        IdleWatcher::new(
            engine.clone(),
            state.sync_waker.clone(),
            IdleConfig {
                max_connections: config.sync.idle_max,
                ..IdleConfig::default()
            },
        )
        .spawn();
    }
    Scheduler::new(
        state.db.clone(),
        owner,
        Arc::new(engine),
        SchedulerConfig {
            concurrency: config.sync.concurrency,
            poll: Duration::from_secs(config.sync.poll_secs),
            ..SchedulerConfig::default()
        },
        state.sync_waker.clone(),
    )
    .spawn()
}
