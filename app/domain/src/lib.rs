//! Plain types shared by the browser (wasm) and the server. No I/O here.

mod language;
mod plan;
mod role;
mod views;

pub use language::Language;
pub use plan::Plan;
pub use role::Role;
pub use views::{CurrentUser, MemberView};
