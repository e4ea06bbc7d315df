//! The reading side of synced mail, for the Mail pages: sync progress, a folder's message
//! list, and the sync actions a reader may take (**Sync now**, **Re-sync from date**).
//! Only the database is touched; the scheduler does the IMAP work when woken.

mod actions;
mod messages;
mod progress;
pub mod search;

pub use actions::{resync_from, sync_now};
pub use messages::message_page;
pub use progress::sync_progress;
