//! The axum side of the Mail section: router, guards and observability. `main.rs` wires
//! configuration and storage to it; tests build the same router in-process.

mod guards;
pub mod observability;
pub mod router;
pub mod sync_scheduler;
