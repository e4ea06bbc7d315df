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
    wait_for(limit, POLL, || {
        let held = check();
        async move { held.await.then(|| start.elapsed()) }
    })
    .await
}

/// Checks `check` every `every` until it gives a value, or None once `limit` passes (for
/// checks that cost a round trip, such as a look at a folder over IMAP).
pub async fn wait_for<T, F, Fut>(limit: Duration, every: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(v) = check().await {
            return Some(v);
        }
        tokio::time::sleep(every).await;
    }
    None
}
