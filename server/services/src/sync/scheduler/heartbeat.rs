//! The lease heartbeat: renews the leases of running syncs on its own task, so a busy
//! claim loop never lets a live run's lease lapse; a lease found taken over is reported
//! so its run stops.

use crate::sync::schedule;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::mpsc;

/// The runs of this process, shared with the heartbeat.
pub(super) type Leases = Arc<Mutex<HashSet<i64>>>;
/// Renews the leases of running syncs every `every`, whatever the claim loop is doing.
/// Leases found taken over are reported on `lost`.
pub(super) async fn heartbeat(
    db: DatabaseConnection,
    owner: String,
    leases: Leases,
    lease: chrono::Duration,
    every: Duration,
    lost: mpsc::UnboundedSender<i64>,
) {
    let mut tick = tokio::time::interval(every.max(Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let ids: Vec<i64> = lock(&leases).iter().copied().collect();
        if ids.is_empty() {
            continue;
        }
        match schedule::renew(&db, &owner, &ids, Utc::now() + lease).await {
            Ok(held) => {
                // A run that ended meanwhile is no longer in `leases`: not lost.
                let still_running = lock(&leases).clone();
                for id in ids {
                    if !held.contains(&id) && still_running.contains(&id) {
                        let _ = lost.send(id);
                    }
                }
            }
            Err(err) => tracing::warn!(%err, "scheduler: renewing leases failed"),
        }
    }
}

pub(super) fn lock(leases: &Leases) -> std::sync::MutexGuard<'_, HashSet<i64>> {
    leases.lock().unwrap_or_else(|p| p.into_inner())
}
