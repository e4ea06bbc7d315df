use sea_orm::entity::prelude::*;

/// A lead or a deal (`kind`): title, stage, owner, amount, its contact and company.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "crm_deals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    /// `lead` or `deal` (`domain::CrmKind`).
    pub kind: String,
    pub title: String,
    pub stage: String,
    pub owner_id: Option<i64>,
    /// Minor units.
    pub amount: Option<i64>,
    pub contact_id: Option<i64>,
    pub company_id: Option<i64>,
    /// The address a lead was created from by the automatic rules (unique per workspace).
    pub from_address: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
