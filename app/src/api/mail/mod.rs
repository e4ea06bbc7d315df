//! Reading synced mail: the tree, lists, conversations, search, actions on messages,
//! progress, and the sync actions of a reader.

mod act_on_messages;
mod action_failures;
mod allow_images;
mod conversation;
mod mail_tree;
mod message_list;
mod resync_from;
mod search_mail;
mod sync_now;
mod sync_progress;

pub use act_on_messages::{ActOnMessages, act_on_messages};
pub use action_failures::{
    ActionFailuresFn, DismissAction, RetryAction, action_failures, dismiss_action, retry_action,
};
pub use allow_images::{AllowImages, allow_images};
pub use conversation::{ConversationFn, conversation};
pub use mail_tree::{MailTreeFn, mail_tree};
pub use message_list::{MessageListFn, message_list};
pub use resync_from::{ResyncFrom, resync_from};
pub use search_mail::{SearchMailFn, search_mail};
pub use sync_now::{SyncNow, sync_now};
pub use sync_progress::{SyncProgressFn, sync_progress};
