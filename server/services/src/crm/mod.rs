//! The minimal CRM mail links to (SPEC § Email ↔ CRM links): contacts, companies, leads
//! and deals of a workspace (`records`), links from messages to them by hand (`links`)
//! or by the automatic rules during sync and on send (`auto`), which skip machine mail
//! (`machine`) and never turn free-mail domains or the workspace's own people into
//! records (`addresses`); the correspondence a card shows (`timeline`).

pub mod addresses;
pub mod auto;
pub mod links;
pub mod machine;
pub mod records;
pub mod timeline;
