//! Everything the server functions and the axum binary call: storage (SeaORM entities and
//! migrations), accounts and plans, secrets, sessions. Web code stays thin and calls this.

pub mod accounts;
pub mod config;
pub mod crm;
pub mod db;
pub mod entities;
pub mod error;
pub mod logging;
pub mod mail;
pub mod mail_actions;
pub mod mail_view;
pub mod mailboxes;
pub mod memory;
pub mod migration;
pub mod oauth;
pub mod plan;
pub mod reading;
pub mod retry;
pub mod secrets;
pub mod sending;
pub mod session_store;
pub mod state;
pub mod sweep;
pub mod sync;
pub mod throttle;
pub mod validate;

pub use error::ServiceError;
pub use state::AppState;
