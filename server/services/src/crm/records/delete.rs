//! Deleting a record, in one transaction with what hangs on it: its addresses or domains,
//! the links from mail to it (`crm_links` has no foreign key: a link names any kind), and
//! the references of other records to it (a contact's company, a deal's contact).

use super::begin_write;
use crate::{
    accounts::Actor,
    entities::{
        crm_company, crm_company_domain, crm_contact, crm_contact_email, crm_deal, crm_link,
    },
    error::{ServiceError, ServiceResult},
};
use domain::CrmKind;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, sea_query::Expr};

/// Deletes one record of the actor's workspace; another workspace's is `NotFound`.
pub async fn delete_record(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    kind: CrmKind,
    id: i64,
) -> ServiceResult<()> {
    let ws = actor.workspace_id;
    let txn = begin_write(db).await?;
    let deleted = match kind {
        CrmKind::Contact => {
            crm_contact_email::Entity::delete_many()
                .filter(crm_contact_email::Column::WorkspaceId.eq(ws))
                .filter(crm_contact_email::Column::ContactId.eq(id))
                .exec(&txn)
                .await?;
            crm_deal::Entity::update_many()
                .col_expr(
                    crm_deal::Column::ContactId,
                    Expr::value(Option::<i64>::None),
                )
                .filter(crm_deal::Column::WorkspaceId.eq(ws))
                .filter(crm_deal::Column::ContactId.eq(id))
                .exec(&txn)
                .await?;
            crm_contact::Entity::delete_many()
                .filter(crm_contact::Column::WorkspaceId.eq(ws))
                .filter(crm_contact::Column::Id.eq(id))
                .exec(&txn)
                .await?
                .rows_affected
        }
        CrmKind::Company => {
            crm_company_domain::Entity::delete_many()
                .filter(crm_company_domain::Column::WorkspaceId.eq(ws))
                .filter(crm_company_domain::Column::CompanyId.eq(id))
                .exec(&txn)
                .await?;
            crm_contact::Entity::update_many()
                .col_expr(
                    crm_contact::Column::CompanyId,
                    Expr::value(Option::<i64>::None),
                )
                .filter(crm_contact::Column::WorkspaceId.eq(ws))
                .filter(crm_contact::Column::CompanyId.eq(id))
                .exec(&txn)
                .await?;
            crm_deal::Entity::update_many()
                .col_expr(
                    crm_deal::Column::CompanyId,
                    Expr::value(Option::<i64>::None),
                )
                .filter(crm_deal::Column::WorkspaceId.eq(ws))
                .filter(crm_deal::Column::CompanyId.eq(id))
                .exec(&txn)
                .await?;
            crm_company::Entity::delete_many()
                .filter(crm_company::Column::WorkspaceId.eq(ws))
                .filter(crm_company::Column::Id.eq(id))
                .exec(&txn)
                .await?
                .rows_affected
        }
        CrmKind::Lead | CrmKind::Deal => {
            crm_deal::Entity::delete_many()
                .filter(crm_deal::Column::WorkspaceId.eq(ws))
                .filter(crm_deal::Column::Kind.eq(kind.as_str()))
                .filter(crm_deal::Column::Id.eq(id))
                .exec(&txn)
                .await?
                .rows_affected
        }
    };
    if deleted == 0 {
        // Nothing of another workspace was touched: every statement above is scoped.
        return Err(ServiceError::NotFound);
    }
    delete_links(&txn, ws, kind, id).await?;
    txn.commit().await?;
    tracing::info!(
        workspace = ws,
        kind = kind.as_str(),
        id,
        "CRM record deleted"
    );
    Ok(())
}

async fn delete_links(
    txn: &DatabaseTransaction,
    workspace_id: i64,
    kind: CrmKind,
    id: i64,
) -> ServiceResult<()> {
    crm_link::Entity::delete_many()
        .filter(crm_link::Column::WorkspaceId.eq(workspace_id))
        .filter(crm_link::Column::RecordKind.eq(kind.as_str()))
        .filter(crm_link::Column::RecordId.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}
