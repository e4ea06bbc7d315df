//! "Create contact from sender" / "Create lead from sender": one step from an open message
//! to a record linked to it. An address is one contact per workspace (the address is
//! unique), and a lead made from an address is one lead per workspace (`from_address`),
//! whoever asks and however often — the same constraints the automatic rules rely on.

use super::{insert_links, linkable, record_refs};
use crate::crm::records::{NewContact, claim_contact, contact_with};
use crate::{
    AppState,
    accounts::Actor,
    entities::{crm_company_domain, crm_contact, crm_deal},
    error::{ServiceError, ServiceResult},
};
use domain::{CrmKind, RecordRef};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};

/// Makes (or finds) a contact, or a lead for that contact, from the sender of message
/// `message_id`, and links the message to it.
pub async fn create_from_sender(
    state: &AppState,
    actor: &Actor,
    message_id: i64,
    kind: CrmKind,
) -> ServiceResult<RecordRef> {
    if !matches!(kind, CrmKind::Contact | CrmKind::Lead) {
        return Err(ServiceError::invalid("kind", "contact_or_lead"));
    }
    let db = &state.db;
    let (row, mailbox) = linkable(db, actor, message_id).await?;
    let address = row.from_address.trim().to_lowercase();
    let Some((_, domain)) = address
        .rsplit_once('@')
        .filter(|(l, d)| !l.is_empty() && !d.is_empty())
    else {
        return Err(ServiceError::invalid("sender", "no_address"));
    };
    if address == mailbox.email.trim().to_lowercase() {
        // The mailbox's own message (Sent): its sender is the workspace, not a client.
        return Err(ServiceError::invalid("sender", "own_address"));
    }
    let name = match row.from_name.trim() {
        "" => address.clone(),
        name => name.chars().take(200).collect(),
    };
    let contact = contact_for(db, actor, &address, domain, &name).await?;
    let id = match kind {
        CrmKind::Lead => lead_for(db, actor, &address, &name, contact).await?,
        _ => contact,
    };
    insert_links(db, actor, &[row.id], kind, id).await?;
    record_refs(db, actor.workspace_id, &[(kind, id)])
        .await?
        .remove(&(kind, id))
        .ok_or(ServiceError::NotFound)
}

/// The contact with this address, made when there is none (named `name`, in the company
/// whose domain the address has, owned by the actor). Two callers at once get one contact.
async fn contact_for(
    db: &DatabaseConnection,
    actor: &Actor,
    address: &str,
    domain: &str,
    name: &str,
) -> ServiceResult<i64> {
    let ws = actor.workspace_id;
    if let Some(id) = contact_with(db, ws, address).await? {
        return Ok(id);
    }
    let company = crm_company_domain::Entity::find_by_id((ws, domain.to_owned()))
        .one(db)
        .await?
        .map(|d| d.company_id);
    claim_contact(
        db,
        NewContact {
            workspace_id: ws,
            address,
            name,
            company_id: company,
            owner_id: Some(actor.user_id),
            from_mail: false,
        },
    )
    .await
}

/// The lead made from this address, made when there is none: titled `name`, stage
/// `new`, for `contact` (and its company), owned by the actor.
async fn lead_for(
    db: &impl ConnectionTrait,
    actor: &Actor,
    address: &str,
    name: &str,
    contact: i64,
) -> ServiceResult<i64> {
    let ws = actor.workspace_id;
    if let Some(id) = known_lead(db, ws, address).await? {
        return Ok(id);
    }
    let company = crm_contact::Entity::find_by_id(contact)
        .one(db)
        .await?
        .and_then(|c| c.company_id);
    let now = chrono::Utc::now();
    let stage = CrmKind::Lead.stages().first().copied().unwrap_or("new");
    crm_deal::Entity::insert(crm_deal::ActiveModel {
        workspace_id: Set(ws),
        kind: Set(CrmKind::Lead.as_str().to_owned()),
        title: Set(name.to_owned()),
        stage: Set(stage.to_owned()),
        owner_id: Set(Some(actor.user_id)),
        amount: Set(None),
        contact_id: Set(Some(contact)),
        company_id: Set(company),
        from_address: Set(Some(address.to_owned())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([
        crm_deal::Column::WorkspaceId,
        crm_deal::Column::Kind,
        crm_deal::Column::FromAddress,
    ])
    .exec_without_returning(db)
    .await?;
    let id = known_lead(db, ws, address)
        .await?
        .ok_or(ServiceError::NotFound)?;
    tracing::info!(workspace = ws, lead = id, "lead from a sender");
    Ok(id)
}

async fn known_lead(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    address: &str,
) -> ServiceResult<Option<i64>> {
    Ok(crm_deal::Entity::find()
        .filter(crm_deal::Column::WorkspaceId.eq(workspace_id))
        .filter(crm_deal::Column::Kind.eq(CrmKind::Lead.as_str()))
        .filter(crm_deal::Column::FromAddress.eq(address))
        .one(db)
        .await?
        .map(|d| d.id))
}
