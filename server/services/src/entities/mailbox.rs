use sea_orm::entity::prelude::*;

/// A connected mailbox. Secrets are sealed with the master key (`secrets.rs`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mailboxes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub owner_id: i64,
    pub provider: domain::Provider,
    pub email: String,
    pub mailbox_name: String,
    pub sender_name: String,
    pub imap_host: String,
    pub imap_port: i32,
    pub imap_security: domain::Security,
    pub smtp_host: String,
    pub smtp_port: i32,
    pub smtp_security: domain::Security,
    pub imap_username: String,
    pub imap_secret: String,
    pub smtp_username: String,
    pub smtp_secret: String,
    pub access: domain::Access,
    pub crm_mode: domain::CrmMode,
    /// Stored as JSON text.
    pub crm_create: domain::CrmCreate,
    pub period: domain::SyncPeriod,
    pub status: domain::MailboxStatus,
    pub last_sync_at: Option<DateTimeUtc>,
    pub next_sync_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// The scheduler process holding this mailbox's sync, and until when (see `sync::schedule`).
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub sync_failures: i32,
    pub last_error: Option<String>,
    /// Set by **Re-sync from date**: the next run refetches everything since then.
    pub resync_from: Option<DateTimeUtc>,
    /// When a user last asked for a run (Sync now, Re-sync from date): the cooldown.
    pub sync_requested_at: Option<DateTimeUtc>,
    /// Added below what the user writes from this mailbox.
    pub signature: String,
    /// A stored password (`imap_secret`, `smtp_secret`) or an OAuth2 grant
    /// (`oauth_grants`; the secrets here are then empty).
    pub auth: domain::AuthMethod,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::OwnerId",
        to = "super::user::Column::Id"
    )]
    Owner,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Owner.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn imap_server(&self) -> domain::ServerAddress {
        server(&self.imap_host, self.imap_port, self.imap_security)
    }

    pub fn smtp_server(&self) -> domain::ServerAddress {
        server(&self.smtp_host, self.smtp_port, self.smtp_security)
    }
}

fn server(host: &str, port: i32, security: domain::Security) -> domain::ServerAddress {
    domain::ServerAddress {
        host: host.to_owned(),
        port: u16::try_from(port).unwrap_or_default(),
        security,
    }
}
