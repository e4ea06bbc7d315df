//! Writing mail: drafts, their attachments and their way out through the mailbox's own
//! SMTP server (SPEC § Working with mail).
//!
//! A draft belongs to its author and one From mailbox the author may send from (own, or
//! shared with them). Every save is stored at once (`drafts`); a copy also goes to the
//! server's Drafts folder in the background. **Send** checks the draft (recipients,
//! addresses, size) and queues it for the user's undo-send delay: the [`worker`] sends it
//! when the delay is over — from the server, so closing the tab neither cancels nor
//! loses it, and a restart still sends it. One Message-ID per draft, kept across
//! attempts. An attempt records how far it got (`phase`): a cut before the message was
//! handed over is retried by itself; a cut after it may have delivered the message, so it
//! is looked for in the mailbox (providers that file sent mail) and otherwise never
//! repeated without the user. A sent message is appended to Sent (`\Seen`) unless the
//! provider files it itself, and shows in its conversation at once.
//!
//! - [`addresses`]: address lists as typed (`Name <a@b>, c@d`).
//! - [`reply`]: what a reply or forward starts with (recipients, subject, threading
//!   headers); [`quote`]: its body, the original quoted or forwarded.
//! - [`mime`]: the RFC 5322 message of a draft (text with an HTML alternative,
//!   attachments); `outgoing`: a draft row as that message.
//! - `start`, `edit` (a draft from the Drafts folder), `drafts`, `attachments`, `preferences`, `suggestions`: the service calls of
//!   the compose form.
//! - `smtp`, `outbox`, `attempt`, `sent_copy`, [`worker`]: the way out; `sent_copies`: a copy
//!   in Sent that failed, filed again later; `server_drafts`: the copies in the server's
//!   Drafts folder.

pub mod addresses;
mod attachments;
mod attempt;
mod drafts;
mod edit;
pub mod mime;
mod original;
mod outbox;
mod outgoing;
mod preferences;
pub mod quote;
pub mod reply;
mod sent_copies;
mod sent_copy;
mod server_drafts;
mod smtp;
mod start;
mod suggestions;
pub mod worker;

pub use attachments::{add_attachment, attachment_bytes, attachment_limit, remove_attachment};
pub use drafts::{compose_view, discard_draft, list_drafts, save_draft, send_draft, undo_send};
pub use outbox::release_instance;
pub use preferences::{set_signature, set_undo_seconds, signature, undo_seconds};
pub use start::{DraftStart, start_draft, start_draft_to};
pub use suggestions::suggest_addresses;
pub use worker::{SendConfig, SendWorker, SendWorkerHandle};

use std::sync::Arc;
use tokio::sync::Notify;

/// Wakes this process's send worker when a draft is queued or taken back.
#[derive(Clone, Debug, Default)]
pub struct SendWaker(Arc<Notify>);

impl SendWaker {
    pub fn wake(&self) {
        self.0.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.0.notified().await;
    }
}

/// The default of `MAIL_ATTACHMENTS_MB`: 25 MiB, what the big providers take.
pub const DEFAULT_ATTACHMENT_LIMIT: u64 = 25 << 20;
