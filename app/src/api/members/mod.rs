mod add_member;
mod list_members;

pub use add_member::{AddMember, add_member};
pub use list_members::{ListMembers, list_members};
