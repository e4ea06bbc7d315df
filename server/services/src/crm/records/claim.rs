//! The contact of an address, made when there is none: for the automatic rules and for
//! **Create contact from sender**. The address is claimed in the same transaction as the
//! new contact (`crm_contact_emails` is unique per workspace); a caller that loses the
//! race rolls back and takes the winner's, so callers at once get one contact.

use crate::{
    entities::{crm_contact, crm_contact_email},
    error::{ServiceError, ServiceResult},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, TransactionSession,
    TransactionTrait, TryInsertResult,
};

/// Who a new contact is.
pub struct NewContact<'a> {
    pub workspace_id: i64,
    /// Lower-case.
    pub address: &'a str,
    pub name: &'a str,
    pub company_id: Option<i64>,
    pub owner_id: Option<i64>,
    /// Made by the automatic rules.
    pub from_mail: bool,
}

/// The id of the contact that has `new.address`; a new one when nobody has it. `db` may
/// be a transaction (the automatic rules make a company, contact and lead in one): the
/// claim is then a savepoint within it.
pub async fn claim_contact<C>(db: &C, new: NewContact<'_>) -> ServiceResult<i64>
where
    C: ConnectionTrait + TransactionTrait,
{
    if let Some(id) = contact_with(db, new.workspace_id, new.address).await? {
        return Ok(id);
    }
    let now = chrono::Utc::now();
    let txn = db.begin().await?;
    let row = crm_contact::ActiveModel {
        workspace_id: Set(new.workspace_id),
        name: Set(new.name.to_owned()),
        phones: Set(String::new()),
        company_id: Set(new.company_id),
        owner_id: Set(new.owner_id),
        from_mail: Set(new.from_mail),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let claimed = crm_contact_email::Entity::insert(crm_contact_email::ActiveModel {
        workspace_id: Set(new.workspace_id),
        email: Set(new.address.to_owned()),
        contact_id: Set(row.id),
    })
    .on_conflict_do_nothing_on([
        crm_contact_email::Column::WorkspaceId,
        crm_contact_email::Column::Email,
    ])
    .exec_without_returning(&txn)
    .await?;
    if matches!(claimed, TryInsertResult::Inserted(n) if n > 0) {
        txn.commit().await?;
        tracing::info!(
            workspace = new.workspace_id,
            contact = row.id,
            from_mail = new.from_mail,
            "CRM contact created"
        );
        return Ok(row.id);
    }
    // Someone made it meanwhile: theirs, and ours never existed.
    txn.rollback().await?;
    contact_with(db, new.workspace_id, new.address)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// The contact that has this address in the workspace.
pub async fn contact_with(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    address: &str,
) -> ServiceResult<Option<i64>> {
    Ok(
        crm_contact_email::Entity::find_by_id((workspace_id, address.to_owned()))
            .one(db)
            .await?
            .map(|e| e.contact_id),
    )
}
