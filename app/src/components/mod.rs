//! Reusable pieces of the workspace UI.

mod form_error;
mod language_switch;
mod side_nav;
mod top_bar;

pub use form_error::FormError;
pub use language_switch::LanguageSwitch;
pub use side_nav::SideNav;
pub use top_bar::TopBar;
