//! Records as pickers, links and the reading pane name them (`RecordRef`): title, and a
//! second line (a contact's first address, a company's first domain, a lead's stage).

use crate::{
    entities::{crm_company, crm_company_domain, crm_contact, crm_contact_email, crm_deal},
    error::ServiceResult,
};
use domain::{CrmKind, RecordRef};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// The records `keys` of the workspace that exist, by key; records of other workspaces and
/// deleted ones are left out.
pub async fn record_refs(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    keys: &[(CrmKind, i64)],
) -> ServiceResult<HashMap<(CrmKind, i64), RecordRef>> {
    let ids = |kind: CrmKind| -> Vec<i64> {
        let mut ids: Vec<i64> = keys
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| *id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let mut out = HashMap::new();
    let contacts = ids(CrmKind::Contact);
    if !contacts.is_empty() {
        let emails = first_of(
            crm_contact_email::Entity::find()
                .filter(crm_contact_email::Column::WorkspaceId.eq(workspace_id))
                .filter(crm_contact_email::Column::ContactId.is_in(contacts.clone()))
                .order_by_asc(crm_contact_email::Column::Email)
                .all(db)
                .await?
                .into_iter()
                .map(|e| (e.contact_id, e.email)),
        );
        for c in crm_contact::Entity::find()
            .filter(crm_contact::Column::WorkspaceId.eq(workspace_id))
            .filter(crm_contact::Column::Id.is_in(contacts))
            .all(db)
            .await?
        {
            let detail = emails.get(&c.id).cloned().unwrap_or_default();
            out.insert(
                (CrmKind::Contact, c.id),
                reference(CrmKind::Contact, c.id, c.name, detail),
            );
        }
    }
    let companies = ids(CrmKind::Company);
    if !companies.is_empty() {
        let domains = first_of(
            crm_company_domain::Entity::find()
                .filter(crm_company_domain::Column::WorkspaceId.eq(workspace_id))
                .filter(crm_company_domain::Column::CompanyId.is_in(companies.clone()))
                .order_by_asc(crm_company_domain::Column::Domain)
                .all(db)
                .await?
                .into_iter()
                .map(|d| (d.company_id, d.domain)),
        );
        for c in crm_company::Entity::find()
            .filter(crm_company::Column::WorkspaceId.eq(workspace_id))
            .filter(crm_company::Column::Id.is_in(companies))
            .all(db)
            .await?
        {
            let detail = domains.get(&c.id).cloned().unwrap_or_default();
            out.insert(
                (CrmKind::Company, c.id),
                reference(CrmKind::Company, c.id, c.name, detail),
            );
        }
    }
    let mut deals = ids(CrmKind::Lead);
    deals.extend(ids(CrmKind::Deal));
    if !deals.is_empty() {
        for d in crm_deal::Entity::find()
            .filter(crm_deal::Column::WorkspaceId.eq(workspace_id))
            .filter(crm_deal::Column::Id.is_in(deals))
            .all(db)
            .await?
        {
            let Ok(kind) = d.kind.parse::<CrmKind>() else {
                continue;
            };
            // Asked for as the kind it is (a lead's id asked for as a deal is not found).
            if keys.contains(&(kind, d.id)) {
                out.insert((kind, d.id), reference(kind, d.id, d.title, d.stage));
            }
        }
    }
    Ok(out)
}

fn reference(kind: CrmKind, id: i64, title: String, detail: String) -> RecordRef {
    RecordRef {
        kind,
        id,
        title,
        detail,
    }
}

/// The first value per owner, from rows already in order.
fn first_of(rows: impl Iterator<Item = (i64, String)>) -> HashMap<i64, String> {
    let mut out = HashMap::new();
    for (owner, value) in rows {
        out.entry(owner).or_insert(value);
    }
    out
}
