//! One page per route.

mod connect;
mod log_in;
mod mail;
mod members;
mod not_found;
mod plan;
mod sign_up;
mod workspace_layout;

pub use connect::ConnectPage;
pub use log_in::LogInPage;
pub use mail::MailPage;
pub use members::MembersPage;
pub use not_found::NotFound;
pub use plan::{PlanPage, plan_name};
pub use sign_up::SignUpPage;
pub use workspace_layout::{UserResource, WorkspaceLayout};
