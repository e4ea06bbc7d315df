use crate::{Language, Plan, Role};
use serde::{Deserialize, Serialize};

/// Who is signed in, as the browser may see it (no secrets, no hashes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub language: Language,
    pub workspace_name: String,
    pub plan: Plan,
}

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// A workspace member as listed on the members page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
}
