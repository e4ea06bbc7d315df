mod check_mailbox;
mod connect_mailbox;
mod disconnect_mailbox;
mod list_mailboxes;
mod load_draft;
mod mailbox_details;
mod sign_in_providers;
mod update_mailbox;
mod update_mailbox_password;

pub use check_mailbox::{CheckMailbox, check_mailbox};
pub use connect_mailbox::{ConnectMailbox, SyncSettingsForm, connect_mailbox};
pub use disconnect_mailbox::{DisconnectMailbox, disconnect_mailbox};
pub use list_mailboxes::{ListMailboxes, list_mailboxes};
pub use load_draft::{LoadDraft, load_draft};
pub use mailbox_details::{MailboxDetailsFn, mailbox_details};
pub use sign_in_providers::{SignInProviders, sign_in_providers};
pub use update_mailbox::{UpdateMailbox, update_mailbox};
pub use update_mailbox_password::{UpdateMailboxPassword, update_mailbox_password};
