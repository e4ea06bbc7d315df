use sea_orm::entity::prelude::*;

/// A sign-in under way: the SHA-256 of its `state`, whose user and session it belongs
/// to, the PKCE verifier (sealed), and the mailbox a **Reconnect** is for. Deleted when
/// used (single use) or after ten minutes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_flows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub state_hash: String,
    pub user_id: i64,
    pub session_hash: String,
    pub provider: String,
    pub mailbox_id: Option<i64>,
    pub verifier_secret: String,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
