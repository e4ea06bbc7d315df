//! One page per route.

mod accounts;
mod compose;
mod connect;
mod connect_provider;
mod connect_setup;
pub mod crm;
mod disconnect;
mod log_in;
mod mail;
mod mail_screen;
mod mailbox_settings;
mod members;
mod not_found;
mod on_demand;
mod plan;
mod sign_up;
mod workspace_layout;

pub use accounts::{AccountsPage, status_text};
pub use compose::{ComposePage, DraftPage, DraftsPage};
pub use connect::ConnectPage;
pub use connect_provider::ConnectProviderPage;
pub use connect_setup::ConnectSetupPage;
pub use crm::{CrmCardPage, CrmDeletePage, CrmEditPage, CrmListPage, CrmNewPage};
pub use disconnect::DisconnectPage;
pub use log_in::LogInPage;
pub use mail::MailPage;
pub use mail_screen::MailScreenPage;
pub use mailbox_settings::MailboxSettingsPage;
pub use members::MembersPage;
pub use not_found::NotFound;
pub use on_demand::*;
pub use plan::{PlanPage, plan_name};
pub use sign_up::SignUpPage;
pub use workspace_layout::{UserResource, WorkspaceLayout};
