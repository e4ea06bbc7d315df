use sea_orm::entity::prelude::*;

/// A domain that says mail belongs to a company: unique per workspace.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "crm_company_domains")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: i64,
    /// Lower-case, no leading `@`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub domain: String,
    pub company_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
