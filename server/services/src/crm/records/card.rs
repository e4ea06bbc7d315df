//! One record's card: its fields, its owner, and the records it names or that name it
//! (a contact's company and deals, a company's contacts and deals, a deal's contact and
//! company).

use super::{deal_kind, list::deal_ref, refs};
use crate::{
    accounts::Actor,
    entities::{crm_company, crm_company_domain, crm_contact, crm_contact_email, crm_deal, user},
    error::{ServiceError, ServiceResult},
};
use domain::{
    CompanyFields, ContactFields, CrmKind, DealFields, OwnerRef, RecordCard, RecordRef, Timestamp,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Records of each kind a card lists as related.
const MAX_RELATED: u64 = 100;

/// The card of one record of the actor's workspace; another workspace's is `NotFound`.
pub async fn record_card(
    db: &impl ConnectionTrait,
    actor: &Actor,
    kind: CrmKind,
    id: i64,
) -> ServiceResult<RecordCard> {
    let ws = actor.workspace_id;
    let card = match kind {
        CrmKind::Contact => {
            let c = crm_contact::Entity::find_by_id(id)
                .filter(crm_contact::Column::WorkspaceId.eq(ws))
                .one(db)
                .await?
                .ok_or(ServiceError::NotFound)?;
            let emails: Vec<String> = crm_contact_email::Entity::find()
                .filter(crm_contact_email::Column::ContactId.eq(c.id))
                .order_by_asc(crm_contact_email::Column::Email)
                .all(db)
                .await?
                .into_iter()
                .map(|e| e.email)
                .collect();
            let mut related = refs(
                db,
                ws,
                CrmKind::Company,
                &c.company_id.into_iter().collect::<Vec<_>>(),
            )
            .await?;
            related.extend(deals_of(db, ws, crm_deal::Column::ContactId, c.id).await?);
            let fields = ContactFields {
                name: c.name.clone(),
                phones: c
                    .phones
                    .lines()
                    .map(str::to_owned)
                    .filter(|p| !p.is_empty())
                    .collect(),
                company_id: c.company_id,
                owner_id: c.owner_id,
                emails,
            };
            RecordCard {
                record: RecordRef {
                    kind,
                    id: c.id,
                    title: c.name,
                    detail: fields.emails.first().cloned().unwrap_or_default(),
                },
                owner: owner(db, ws, c.owner_id).await?,
                contact: Some(fields),
                company: None,
                deal: None,
                related,
                created_from_mail: c.from_mail,
                created_at: Timestamp(c.created_at.timestamp()),
            }
        }
        CrmKind::Company => {
            let c = crm_company::Entity::find_by_id(id)
                .filter(crm_company::Column::WorkspaceId.eq(ws))
                .one(db)
                .await?
                .ok_or(ServiceError::NotFound)?;
            let domains: Vec<String> = crm_company_domain::Entity::find()
                .filter(crm_company_domain::Column::CompanyId.eq(c.id))
                .order_by_asc(crm_company_domain::Column::Domain)
                .all(db)
                .await?
                .into_iter()
                .map(|d| d.domain)
                .collect();
            let contact_ids: Vec<i64> = crm_contact::Entity::find()
                .select_only()
                .column(crm_contact::Column::Id)
                .filter(crm_contact::Column::WorkspaceId.eq(ws))
                .filter(crm_contact::Column::CompanyId.eq(c.id))
                .order_by_asc(crm_contact::Column::Id)
                .limit(MAX_RELATED)
                .into_tuple()
                .all(db)
                .await?;
            let mut related = refs(db, ws, CrmKind::Contact, &contact_ids).await?;
            related.extend(deals_of(db, ws, crm_deal::Column::CompanyId, c.id).await?);
            RecordCard {
                record: RecordRef {
                    kind,
                    id: c.id,
                    title: c.name.clone(),
                    detail: domains.first().cloned().unwrap_or_default(),
                },
                owner: owner(db, ws, c.owner_id).await?,
                contact: None,
                company: Some(CompanyFields {
                    name: c.name,
                    domains,
                    owner_id: c.owner_id,
                }),
                deal: None,
                related,
                created_from_mail: c.from_mail,
                created_at: Timestamp(c.created_at.timestamp()),
            }
        }
        CrmKind::Lead | CrmKind::Deal => {
            let d = crm_deal::Entity::find_by_id(id)
                .filter(crm_deal::Column::WorkspaceId.eq(ws))
                .filter(crm_deal::Column::Kind.eq(deal_kind(kind)?))
                .one(db)
                .await?
                .ok_or(ServiceError::NotFound)?;
            let mut related = refs(
                db,
                ws,
                CrmKind::Contact,
                &d.contact_id.into_iter().collect::<Vec<_>>(),
            )
            .await?;
            related.extend(
                refs(
                    db,
                    ws,
                    CrmKind::Company,
                    &d.company_id.into_iter().collect::<Vec<_>>(),
                )
                .await?,
            );
            RecordCard {
                owner: owner(db, ws, d.owner_id).await?,
                contact: None,
                company: None,
                deal: Some(DealFields {
                    title: d.title.clone(),
                    stage: d.stage.clone(),
                    owner_id: d.owner_id,
                    amount: d.amount,
                    contact_id: d.contact_id,
                    company_id: d.company_id,
                }),
                related,
                created_from_mail: d.from_address.is_some(),
                created_at: Timestamp(d.created_at.timestamp()),
                record: deal_ref(kind, d),
            }
        }
    };
    Ok(card)
}

/// Leads, then deals, that name the record in `column` (a contact or a company).
async fn deals_of(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    column: crm_deal::Column,
    id: i64,
) -> ServiceResult<Vec<RecordRef>> {
    let rows = crm_deal::Entity::find()
        .filter(crm_deal::Column::WorkspaceId.eq(workspace_id))
        .filter(column.eq(id))
        .order_by_desc(crm_deal::Column::Kind)
        .order_by_asc(crm_deal::Column::Id)
        .limit(MAX_RELATED)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|d| {
            let kind = if d.kind == CrmKind::Deal.as_str() {
                CrmKind::Deal
            } else {
                CrmKind::Lead
            };
            deal_ref(kind, d)
        })
        .collect())
}

/// The owner, if still a member of the workspace.
async fn owner(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    owner_id: Option<i64>,
) -> ServiceResult<Option<OwnerRef>> {
    let Some(owner_id) = owner_id else {
        return Ok(None);
    };
    Ok(user::Entity::find_by_id(owner_id)
        .filter(user::Column::WorkspaceId.eq(workspace_id))
        .one(db)
        .await?
        .map(|u| OwnerRef {
            id: u.id,
            name: u.name,
        }))
}
