//! Every integration test of the server crate in one binary (one build, one link), each
//! file a module named as before: `cargo test -p server --test suite page_load::`.
//! `sync_crash` stays a binary of its own (it times a restart and a take-over).

mod common;
#[path = "support/reading_world.rs"]
#[allow(dead_code)]
mod reading_world;
mod support;

mod abuse_limits;
mod crm_links_http;
mod crm_records_http;
mod http_hardening;
mod mailbox_functions;
mod message_content;
mod page_load;
mod reading_authz;
mod sent_copy_notice;
mod server_functions;
mod session_renewal;
mod static_assets;
mod writing_authz;
