//! Reading synced mail: the tree, lists, conversations, search, progress, and the sync
//! actions of a reader.

mod conversation;
mod mail_tree;
mod message_list;
mod resync_from;
mod sync_now;
mod sync_progress;

pub use conversation::{ConversationFn, conversation};
pub use mail_tree::{MailTreeFn, mail_tree};
pub use message_list::{MessageListFn, message_list};
pub use resync_from::{ResyncFrom, resync_from};
pub use sync_now::{SyncNow, sync_now};
pub use sync_progress::{SyncProgressFn, sync_progress};
