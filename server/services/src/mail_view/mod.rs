//! The reading side of synced mail, for the Mail pages: sync progress, the mailbox and
//! folder tree, a list page, a conversation, search, and the sync actions a reader may take (**Sync now**, **Re-sync from date**).
//! Only the database is touched; the scheduler does the IMAP work when woken.

mod actions;
mod messages;
mod open;
mod progress;
pub mod search;
pub mod search_index;
mod tree;

pub use actions::{resync_from, sync_now};
pub use messages::message_list;
pub use open::{conversation, readable_message};
pub use progress::sync_progress;
pub use tree::mail_tree;
