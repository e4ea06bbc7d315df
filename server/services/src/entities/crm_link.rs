use sea_orm::entity::prelude::*;

/// A message linked to a CRM record, by hand or by the automatic rules; once per
/// (message, record).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "crm_links")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub message_id: i64,
    /// `contact`, `company`, `lead` or `deal` (`domain::CrmKind`).
    pub record_kind: String,
    pub record_id: i64,
    pub manual: bool,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
