//! Reusable pieces of the workspace UI.

mod crm_links;
mod crm_preview;
mod form_error;
mod language_switch;
mod local_time;
mod page_title;
pub mod poll;
mod reconnect_notice;
mod server_fields;
mod side_nav;
mod sign_in_form;
mod sync_progress_panel;
mod sync_settings_fields;
mod top_bar;

pub use crm_links::MessageCrmLinks;
pub use crm_preview::{
    CrmApplyQuestion, CrmChoice, CrmPreviewButton, CrmPreviewResults,
    preview_request as crm_preview_request,
};
pub use form_error::FormError;
pub use language_switch::LanguageSwitch;
pub use local_time::LocalTime;
pub use page_title::PageTitle;
pub use reconnect_notice::ReconnectNotice;
pub use server_fields::ServerFields;
pub use side_nav::SideNav;
pub use sign_in_form::{SignInError, SignInForm, SignInSection};
pub use sync_progress_panel::SyncProgressPanel;
pub use sync_settings_fields::SyncSettingsFields;
pub use top_bar::TopBar;
