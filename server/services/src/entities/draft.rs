use sea_orm::entity::prelude::*;

/// A message being written, and its way out (see `sending`). Belongs to its author: no
/// one else sees or sends it, even from a shared mailbox.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "drafts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub author_id: i64,
    /// The From mailbox.
    pub mailbox_id: i64,
    pub kind: domain::ComposeKind,
    /// The message replied to or forwarded (its row may be gone since).
    pub source_message_id: Option<i64>,
    /// The one Message-ID of this draft (without `<>`, like `messages.message_id`): every
    /// attempt and copy uses it.
    #[sea_orm(unique)]
    pub message_id: String,
    pub in_reply_to: Option<String>,
    /// Message-IDs, space-separated.
    pub references: String,
    pub to_addrs: String,
    pub cc_addrs: String,
    pub bcc_addrs: String,
    pub subject: String,
    pub body: String,
    pub state: domain::SendState,
    pub send_at: Option<DateTimeUtc>,
    /// How far the current attempt got: `connect` (nothing handed over yet) or `data`
    /// (the message is being handed over: a cut from here on may have delivered it).
    pub phase: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub attempts: i32,
    /// Claims in a row taken over from an attempt that ended without an outcome (a killed
    /// or crashed process, a panic); any attempt's end and a new Send set it back to 0.
    pub takeovers: i32,
    /// JSON of `domain::SendFailure`.
    pub failure: Option<String>,
    /// The copy in Sent: `none` (not sent yet), `pending`, `done`, `provider` (the
    /// provider files sent mail itself), `failed` (tried again later), `given_up`.
    pub sent_copy: String,
    /// A `failed` copy in Sent: tries that failed since, and when the next is due (none:
    /// nothing to try; `sending::sent_copies`).
    pub copy_attempts: i32,
    pub copy_due_at: Option<DateTimeUtc>,
    /// The copy in the server's Drafts folder.
    pub server_uid: Option<i64>,
    pub server_uidvalidity: Option<i64>,
    pub server_dirty: bool,
    pub revision: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
