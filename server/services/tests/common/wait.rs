//! Bounded waits for a condition: tests wait for what they expect, never for a fixed time.

use std::{
    future::Future,
    time::{Duration, Instant},
};

/// How often [`wait_until`] checks its condition.
const POLL: Duration = Duration::from_millis(10);

/// Checks `check` every [`POLL`] until it holds: the time it took, or None once `limit` passes.
pub async fn wait_until<F, Fut>(limit: Duration, mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(POLL).await;
    }
    None
}
