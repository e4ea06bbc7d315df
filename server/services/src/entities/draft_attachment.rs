use sea_orm::entity::prelude::*;

/// A file attached to a draft; its bytes are in `draft_attachment_chunks`. `complete` is
/// set once the upload finished: a cut upload never goes out.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "draft_attachments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub draft_id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub complete: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
