//! Reading synced mail: progress, message lists, and the sync actions of a reader.

mod message_page;
mod resync_from;
mod sync_now;
mod sync_progress;

pub use message_page::{MessagePageFn, message_page};
pub use resync_from::{ResyncFrom, resync_from};
pub use sync_now::{SyncNow, sync_now};
pub use sync_progress::{SyncProgressFn, sync_progress};
