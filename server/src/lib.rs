//! The axum side of the Mail section: router, guards, security headers and observability.
//! `main.rs` wires configuration and storage to it; tests build the same router
//! in-process.

mod api_status;
pub mod draft_attachments;
pub mod guards;
pub mod message_content;
pub mod observability;
pub mod router;
pub mod security_headers;
pub mod session_renewal;
pub mod sign_in;
pub mod sync_scheduler;
