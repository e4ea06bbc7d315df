//! Actions on messages (read/unread, flag, move, delete, archive): applied at once in the
//! database, written back to the server over IMAP in the background.
//!
//! [`act`] changes the `messages` rows in one transaction — flags at once; a message
//! that moves (move, archive, delete to Trash) goes to its target folder with a
//! placeholder UID (minus its id, never a server UID); a delete from Trash removes the
//! row — and queues one write-back per changed message (`message_actions`), with the
//! message's place on the server as it was then. The [`worker`] writes each mailbox's
//! queue in order over one IMAP session (UID STORE, UID MOVE or COPY + EXPUNGE), learns
//! the moved copies' UIDs from COPYUID (UIDPLUS) so the rows keep their identity and
//! body, retries with doubling back-off, and turns what cannot be written into a
//! failure the reader sees ([`failures`]); the optimistic change is then undone so the
//! app shows what the server has. The next sync reconciles the rest.

mod apply;
mod batch;
mod copy_doubt;
mod failures;
/// Public for the tests that run its commands as a server without MOVE or UIDPLUS would.
pub mod imap;
mod kind;
mod queue;
mod revert;
pub mod worker;

pub use apply::{MAX_MESSAGES, act, apply};
pub use failures::{dismiss_failure, failures, retry_failure};
pub use kind::{ActionState, Kind};
pub use queue::{held_uids, release_instance};
pub use worker::{ActionWorker, ActionWorkerHandle, WorkerConfig};

use std::sync::Arc;
use tokio::sync::Notify;

/// Wakes this process's write-back worker when a reader acts (a permit is kept if it is
/// busy, so an action queued during a batch is picked up right after it).
#[derive(Clone, Debug, Default)]
pub struct ActionWaker(Arc<Notify>);

impl ActionWaker {
    pub fn wake(&self) {
        self.0.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.0.notified().await;
    }
}
