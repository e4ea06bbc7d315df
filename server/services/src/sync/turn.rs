//! A batch's place in line. Batches are stored newest first because the quota serves the
//! newest mail first: a batch takes its share of the quota only once the batch before has
//! taken its own, and writes only once that batch has finished writing, unless
//! [`overlap`] lets the two writes run side by side.
//!
//! On PostgreSQL two writes side by side are two transactions on two connections, and
//! PostgreSQL runs them at once: a 10k first sync 0.90 s instead of 0.94 s, 100k 9.1 s
//! instead of 10.2 s (medians of runs alternated with the writes one after another), and
//! the body pass of a Re-sync likewise (docs/benchmarks.md, thirty-ninth round). SQLite
//! has one writer, so there the writes stay one after another.

use super::store::Quota;
use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::oneshot;

/// One batch's place in line. Dropping it, when the batch's task ends in any way (stored,
/// failed, or aborted with its run), lets the next batch go on.
pub struct Turn {
    quota_after: Option<oneshot::Receiver<()>>,
    written_after: Option<oneshot::Receiver<()>>,
    quota_taken: Option<oneshot::Sender<()>>,
    _written: oneshot::Sender<()>,
}

impl Turn {
    /// Waits until the batch before has finished. Both waits can be given up and started
    /// again.
    async fn wait(&mut self) {
        self.wait_quota().await;
        if let Some(before) = &mut self.written_after {
            // An error only says the sender is gone: that batch has finished too.
            let _ = before.await;
            self.written_after = None;
        }
    }

    /// Waits until the batch before has taken its share of the quota (or finished).
    async fn wait_quota(&mut self) {
        if let Some(before) = &mut self.quota_after {
            let _ = before.await;
            self.quota_after = None;
        }
    }

    /// Waits until this batch, whose bodies take `bytes`, may take its quota and write:
    /// once the batch before has taken its own, and once it has written too unless
    /// [`overlap`] lets the two writes run side by side.
    pub async fn wait_to_write(&mut self, db: &DatabaseConnection, quota: &Quota, bytes: i64) {
        self.wait_quota().await;
        if !overlap(db, quota, bytes) {
            self.wait().await;
        }
    }

    /// Lets the next batch take its share of the quota.
    pub fn quota_taken(&mut self) {
        self.quota_taken.take();
    }
}

/// Hands out the turns of a line of batches, each after the one handed out before.
#[derive(Default)]
pub struct Line {
    last: Option<(oneshot::Receiver<()>, oneshot::Receiver<()>)>,
}

impl Line {
    /// The turn of the next batch.
    pub fn turn(&mut self) -> Turn {
        let (quota_taken, quota_next) = oneshot::channel();
        let (written, written_next) = oneshot::channel();
        let (quota_after, written_after) = self.last.replace((quota_next, written_next)).unzip();
        Turn {
            quota_after,
            written_after,
            quota_taken: Some(quota_taken),
            _written: written,
        }
    }
}

/// Whether a batch whose bodies take `bytes` may be written beside the batch before it
/// (once that one has taken its quota): on PostgreSQL, and when the quota has room for the
/// whole batch, so that no older body has to be pushed out while the batch before is still
/// being written.
fn overlap(db: &DatabaseConnection, quota: &Quota, bytes: i64) -> bool {
    db.get_database_backend() == DbBackend::Postgres && quota.room() >= bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    #[tokio::test]
    async fn a_batch_takes_its_quota_after_the_one_before_and_writes_after_it() {
        let mut line = Line::default();
        let mut first = line.turn();
        let mut second = line.turn();
        let mut third = line.turn();
        assert!(
            first.wait().now_or_never().is_some(),
            "the first waits for nobody"
        );
        assert!(second.wait_quota().now_or_never().is_none());
        first.quota_taken();
        assert!(second.wait_quota().now_or_never().is_some());
        // The quota taken is not the batch written.
        assert!(second.wait().now_or_never().is_none());
        drop(first);
        assert!(second.wait().now_or_never().is_some());
        // The third waits for the second alone, whatever became of the first.
        assert!(third.wait_quota().now_or_never().is_none());
        drop(second);
        assert!(third.wait().now_or_never().is_some());
    }

    #[tokio::test]
    async fn a_batch_that_ends_without_taking_its_quota_lets_the_next_one_go_on() {
        let mut line = Line::default();
        let first = line.turn();
        let mut second = line.turn();
        drop(first);
        assert!(second.wait().now_or_never().is_some());
    }
}
