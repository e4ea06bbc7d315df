use sea_orm::entity::prelude::*;

/// A mailbox's OAuth2 grant. Both tokens are sealed with the master key; one process at a
/// time refreshes the access token (`refresh_owner` until `refresh_until`, taken by a
/// conditional UPDATE, see `oauth::tokens`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_grants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub mailbox_id: i64,
    /// `microsoft` or `google` (`domain::OAuthProvider`).
    pub provider: String,
    pub refresh_secret: String,
    pub access_secret: String,
    pub access_expires_at: DateTimeUtc,
    pub refresh_owner: Option<String>,
    pub refresh_until: Option<DateTimeUtc>,
    /// Refreshes done so far (what a test or an operator counts).
    pub refreshes: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
