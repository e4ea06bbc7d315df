//! Server functions, one per file under `api/<area>/<verb_noun>.rs`. Each reads the
//! session, calls a service and maps the error; nothing else.

pub mod auth;
pub mod crm;
pub mod mail;
pub mod mailboxes;
pub mod members;
pub mod profile;
pub mod workspace;
pub mod writing;

#[cfg(feature = "ssr")]
pub mod context;
