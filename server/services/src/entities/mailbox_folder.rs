use sea_orm::entity::prelude::*;

/// A folder of a mailbox as listed by the server; `selected` ones are synced.
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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
