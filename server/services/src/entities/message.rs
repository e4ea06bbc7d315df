use sea_orm::entity::prelude::*;

/// One synced message: identified on the server by (folder, UIDVALIDITY, UID).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub mailbox_id: i64,
    pub folder_id: i64,
    pub uidvalidity: i64,
    pub uid: i64,
    pub message_id: Option<String>,
    pub thread_id: String,
    pub in_reply_to: Option<String>,
    /// Message-IDs of the References header, space-separated.
    pub references: String,
    pub subject: String,
    pub from_name: String,
    pub from_address: String,
    /// Kept as a JSON list of `{name, address}`.
    pub to_list: People,
    pub cc_list: People,
    /// Reply-To, like `to_list` (empty when the message has none).
    pub reply_to: People,
    pub sent_at: Option<DateTimeUtc>,
    /// The server's INTERNALDATE: what `SEARCH SINCE` and the list order use.
    pub received_at: DateTimeUtc,
    pub size: i64,
    pub seen: bool,
    pub flagged: bool,
    pub answered: bool,
    pub draft: bool,
    /// `pending`, `stored`, `too_large` or `over_quota` (see `sync::store::BodyState`).
    pub body_state: crate::sync::store::BodyState,
    pub text_body: Option<String>,
    pub html_body: Option<String>,
    pub snippet: String,
    /// Kept as a JSON list of `{name, content_type, size, part}`; bytes are fetched on demand.
    pub attachments: Attachments,
    /// Bytes of `text_body` and `html_body`, counted against the mailbox's storage quota.
    pub body_bytes: i64,
    /// Machine or bulk mail (lists, bounces, auto-replies, no-reply senders): never makes
    /// CRM records.
    pub automated: bool,
    /// The automatic CRM rules have looked at it (`crm::auto`).
    pub crm_checked: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

/// Recipients, typed in the model and kept as JSON text (a row that does not decode fails
/// the read).
#[derive(
    Clone, Debug, Default, PartialEq, Eq, DeriveValueType, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
#[sea_orm(
    value_type = "String",
    from_str = "domain::stored::from_json",
    to_str = "domain::stored::to_json"
)]
pub struct People(pub Vec<crate::sync::parse::Person>);

/// Attachment facts, typed in the model and kept as JSON text.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, DeriveValueType, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
#[sea_orm(
    value_type = "String",
    from_str = "domain::stored::from_json",
    to_str = "domain::stored::to_json"
)]
pub struct Attachments(pub Vec<crate::sync::parse::AttachmentInfo>);

impl ActiveModelBehavior for ActiveModel {}
