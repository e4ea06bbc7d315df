//! A task spawned by a run (storing a batch while the next one downloads, renewing
//! leases) that never outlives it: dropping the handle aborts the task. A run dropped at
//! its deadline or by a crash-like cancel then cannot store rows it fetched after a later
//! run stored the same messages with newer flags.

use std::future::Future;
use tokio::task::{JoinError, JoinHandle};

pub struct RunTask<T>(JoinHandle<T>);

impl<T: Send + 'static> RunTask<T> {
    pub fn spawn(work: impl Future<Output = T> + Send + 'static) -> Self {
        Self(tokio::spawn(work))
    }

    /// Waits for the task's answer.
    pub async fn join(mut self) -> Result<T, JoinError> {
        (&mut self.0).await
    }
}

impl<T> Drop for RunTask<T> {
    fn drop(&mut self) {
        // A no-op for a task that has finished.
        self.0.abort();
    }
}
