use sea_orm::entity::prelude::*;

/// A folder of a mailbox as listed by the server; `selected` ones are synced. The sync
/// keeps the server's state of the folder here and its progress for the UI.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mailbox_folders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub mailbox_id: i64,
    /// The raw IMAP name (modified UTF-7), as the server wants it back.
    pub name: String,
    pub display_name: String,
    pub depth: i32,
    pub special_use: Option<String>,
    pub selected: bool,
    pub uidvalidity: Option<i64>,
    pub uidnext: Option<i64>,
    pub highest_modseq: Option<i64>,
    /// EXISTS at the end of the last complete run.
    pub server_exists: Option<i32>,
    /// The range (`SEARCH` criteria) the last complete run covered.
    pub synced_range: Option<String>,
    /// Messages in range on the server, headers stored, bodies stored ("n of m").
    pub in_range: i32,
    pub headers_done: i32,
    pub bodies_done: i32,
    /// `headers`, `bodies` or `done`.
    pub phase: Option<domain::SyncPhase>,
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
