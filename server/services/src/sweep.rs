//! Timers that keep state bounded for as long as the server runs: expired sessions leave
//! the database, throttle entries that no longer mean anything leave memory.

use crate::{session_store::DbSessionStore, state::AppState};
use std::{sync::Arc, time::Duration};

/// How often expired sessions are deleted, and how many rows one statement deletes.
pub const SESSION_SWEEP_EVERY: Duration = Duration::from_secs(10 * 60);
pub const SESSION_SWEEP_BATCH: u64 = 1000;
/// How often the throttle table drops entries that expired.
pub const THROTTLE_SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Starts both sweepers (once per server process).
pub fn start(state: &AppState) -> [tokio::task::JoinHandle<()>; 2] {
    [
        DbSessionStore::new(state.db.clone())
            .spawn_sweeper(SESSION_SWEEP_EVERY, SESSION_SWEEP_BATCH),
        Arc::clone(&state.throttles).spawn_sweeper(THROTTLE_SWEEP_EVERY),
    ]
}
