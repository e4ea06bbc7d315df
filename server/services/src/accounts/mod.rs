//! Workspaces, their members, sign-up and login. Every query here is scoped by the
//! acting user's workspace: nothing crosses from one workspace to another.

mod actor;
mod language;
mod log_in;
mod members;
mod password;
mod sign_up;

pub use actor::{Actor, current_user};
pub use language::set_language;
pub use log_in::log_in;
pub use members::{NewMember, add_member, list_members};
pub use sign_up::{SignUp, sign_up};
