//! The CRM pages: lists of contacts, companies, leads and deals (search, owner filter),
//! a record's card with its correspondence, and the forms to create and edit them.

mod card;
pub mod correspondence;
mod deal_form;
mod delete;
mod form;
mod list;
mod parts;

pub use card::CrmCardPage;
pub use delete::CrmDeletePage;
pub use form::{CrmEditPage, CrmNewPage};
pub use list::CrmListPage;
