//! Connected mailboxes: the wizard's login check and draft, connecting, who sees what,
//! settings, shared access and plan limits (SPEC § Connecting a mailbox, § Plans).

mod access;
mod connect;
mod draft;
mod plan_limits;
mod settings;
mod sign_in;

pub(crate) use access::readable_subquery;
pub use access::{details, owned, readable, readable_ids, visible_mailboxes};
pub use connect::{ConnectRequest, check_and_draft, connect};
pub use draft::load_draft;
pub use plan_limits::mailbox_count;
pub use settings::{change_password, disconnect, update_settings, update_settings_applying};
pub use sign_in::{SignInDone, finish_sign_in, start_sign_in};
