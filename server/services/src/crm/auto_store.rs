//! Storage of the automatic rules: what exists for a batch's addresses and domains,
//! making records, links, and the mark that a message was looked at. Records are made
//! once whoever makes them at the same time (several scheduler processes syncing
//! mailboxes of one workspace): each is inserted with ON CONFLICT DO NOTHING on its
//! unique key (address, domain, lead address), and a loser rolls its row back (to a
//! savepoint) and takes the winner's. One address's company, contact and lead are made in
//! one transaction, so a run beside this one sees all of them or none.

use super::rules::{Creation, Known, Rules};
use crate::{
    crm::addresses::company_name,
    db::retry_busy,
    entities::{
        crm_company, crm_company_domain, crm_contact, crm_contact_email, crm_deal, crm_link,
        message,
    },
    error::{ServiceError, ServiceResult},
};
use domain::{CrmKind, PlannedRecord};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QuerySelect, TransactionSession, TransactionTrait, TryInsertResult,
};
use std::collections::{BTreeSet, HashMap};

/// Values in one `IN (…)` list.
const IN_CHUNK: usize = 500;

/// The records that exist for these addresses and company domains.
pub(crate) async fn known(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    addresses: &BTreeSet<String>,
    domains: &BTreeSet<String>,
) -> ServiceResult<Known> {
    let mut k = Known::default();
    let addresses: Vec<&String> = addresses.iter().collect();
    for chunk in addresses.chunks(IN_CHUNK) {
        let rows: Vec<(String, i64)> = crm_contact_email::Entity::find()
            .select_only()
            .columns([
                crm_contact_email::Column::Email,
                crm_contact_email::Column::ContactId,
            ])
            .filter(crm_contact_email::Column::WorkspaceId.eq(workspace_id))
            .filter(crm_contact_email::Column::Email.is_in(chunk.iter().map(|a| a.as_str())))
            .into_tuple()
            .all(db)
            .await?;
        k.contacts.extend(rows);
        let rows: Vec<(Option<String>, i64)> = crm_deal::Entity::find()
            .select_only()
            .columns([crm_deal::Column::FromAddress, crm_deal::Column::Id])
            .filter(crm_deal::Column::WorkspaceId.eq(workspace_id))
            .filter(crm_deal::Column::Kind.eq(CrmKind::Lead.as_str()))
            .filter(crm_deal::Column::FromAddress.is_in(chunk.iter().map(|a| a.as_str())))
            .into_tuple()
            .all(db)
            .await?;
        k.leads
            .extend(rows.into_iter().filter_map(|(a, id)| Some((a?, id))));
    }
    let domains: Vec<&String> = domains.iter().collect();
    for chunk in domains.chunks(IN_CHUNK) {
        let rows: Vec<(String, i64)> = crm_company_domain::Entity::find()
            .select_only()
            .columns([
                crm_company_domain::Column::Domain,
                crm_company_domain::Column::CompanyId,
            ])
            .filter(crm_company_domain::Column::WorkspaceId.eq(workspace_id))
            .filter(crm_company_domain::Column::Domain.is_in(chunk.iter().map(|d| d.as_str())))
            .into_tuple()
            .all(db)
            .await?;
        k.companies.extend(rows);
    }
    let contacts: Vec<i64> = k
        .contacts
        .values()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for chunk in contacts.chunks(IN_CHUNK) {
        let rows: Vec<(i64, Option<i64>)> = crm_contact::Entity::find()
            .select_only()
            .columns([crm_contact::Column::Id, crm_contact::Column::CompanyId])
            .filter(crm_contact::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        k.contact_company
            .extend(rows.into_iter().filter_map(|(id, c)| Some((id, c?))));
    }
    let companies: BTreeSet<i64> = k
        .companies
        .values()
        .chain(k.contact_company.values())
        .copied()
        .collect();
    let companies: Vec<i64> = companies.into_iter().collect();
    let mut deals: HashMap<i64, (CrmKind, i64, Option<i64>, Option<i64>)> = HashMap::new();
    for (column, ids) in [
        (crm_deal::Column::ContactId, &contacts),
        (crm_deal::Column::CompanyId, &companies),
    ] {
        for chunk in ids.chunks(IN_CHUNK) {
            let rows: Vec<(i64, String, Option<i64>, Option<i64>)> = crm_deal::Entity::find()
                .select_only()
                .columns([
                    crm_deal::Column::Id,
                    crm_deal::Column::Kind,
                    crm_deal::Column::ContactId,
                    crm_deal::Column::CompanyId,
                ])
                .filter(crm_deal::Column::WorkspaceId.eq(workspace_id))
                .filter(column.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
            for (id, kind, contact, company) in rows {
                if let Ok(kind) = kind.parse::<CrmKind>() {
                    deals.insert(id, (kind, id, contact, company));
                }
            }
        }
    }
    k.deals = deals.into_values().collect();
    Ok(k)
}

/// Makes the planned records (each once, whoever else makes it now); returns them.
pub(crate) async fn create(
    db: &DatabaseConnection,
    rules: &Rules,
    plan: &[Creation],
    known: &Known,
) -> ServiceResult<Vec<PlannedRecord>> {
    let mut companies: HashMap<String, i64> = known.companies.clone();
    for c in plan {
        let made = retry_busy(|| records_of(db, rules, c, &companies)).await?;
        if let (Some(domain), Some(id)) = (&c.company, made) {
            companies.insert(domain.clone(), id);
        }
    }
    let made: Vec<PlannedRecord> = plan.iter().flat_map(Creation::records).collect();
    if !made.is_empty() {
        tracing::info!(
            workspace = rules.workspace_id,
            records = made.len(),
            "CRM records created from mail"
        );
    }
    Ok(made)
}

/// One planned address's company, contact and lead, in one transaction: a run beside this
/// one that saw the contact but not yet its lead would link its mail to two of the three
/// for good (it plans nothing for an address that has a contact). Returns the id of the
/// company planned for it.
async fn records_of(
    db: &DatabaseConnection,
    rules: &Rules,
    c: &Creation,
    companies: &HashMap<String, i64>,
) -> ServiceResult<Option<i64>> {
    let txn = db.begin().await?;
    let planned = match &c.company {
        Some(domain) => Some(company(&txn, rules, domain).await?),
        None => None,
    };
    let company = planned.or_else(|| {
        rules
            .company_domain(&c.address)
            .and_then(|d| companies.get(d))
            .copied()
    });
    let contact = match c.contact {
        true => Some(contact(&txn, rules, c, company).await?),
        false => None,
    };
    if c.lead {
        lead(&txn, rules, c, contact, company).await?;
    }
    txn.commit().await?;
    Ok(planned)
}

/// The company with this domain: made from it (named after it) unless another has it.
async fn company<C>(db: &C, rules: &Rules, domain: &str) -> ServiceResult<i64>
where
    C: ConnectionTrait + TransactionTrait,
{
    let now = chrono::Utc::now();
    let txn = db.begin().await?;
    let row = crm_company::ActiveModel {
        workspace_id: Set(rules.workspace_id),
        name: Set(company_name(domain)),
        owner_id: Set(Some(rules.owner_id)),
        from_mail: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let claimed = crm_company_domain::Entity::insert(crm_company_domain::ActiveModel {
        workspace_id: Set(rules.workspace_id),
        domain: Set(domain.to_owned()),
        company_id: Set(row.id),
    })
    .on_conflict_do_nothing_on([
        crm_company_domain::Column::WorkspaceId,
        crm_company_domain::Column::Domain,
    ])
    .exec_without_returning(&txn)
    .await?;
    if inserted(claimed) {
        txn.commit().await?;
        return Ok(row.id);
    }
    // Made by someone else meanwhile: theirs, and ours never existed.
    txn.rollback().await?;
    crm_company_domain::Entity::find_by_id((rules.workspace_id, domain.to_owned()))
        .one(db)
        .await?
        .map(|d| d.company_id)
        .ok_or(ServiceError::NotFound)
}

/// The contact with this address, made (in `company`) unless another has it.
async fn contact<C>(db: &C, rules: &Rules, c: &Creation, company: Option<i64>) -> ServiceResult<i64>
where
    C: ConnectionTrait + TransactionTrait,
{
    crate::crm::records::claim_contact(
        db,
        crate::crm::records::NewContact {
            workspace_id: rules.workspace_id,
            address: &c.address,
            name: &c.name,
            company_id: company,
            owner_id: Some(rules.owner_id),
            from_mail: true,
        },
    )
    .await
}

/// The lead made from this address (stage `new`, for its contact and company), once.
async fn lead(
    db: &impl ConnectionTrait,
    rules: &Rules,
    c: &Creation,
    contact: Option<i64>,
    company: Option<i64>,
) -> ServiceResult<()> {
    let now = chrono::Utc::now();
    let stage = CrmKind::Lead.stages().first().copied().unwrap_or("new");
    crm_deal::Entity::insert(crm_deal::ActiveModel {
        workspace_id: Set(rules.workspace_id),
        kind: Set(CrmKind::Lead.as_str().to_owned()),
        title: Set(c.name.clone()),
        stage: Set(stage.to_owned()),
        owner_id: Set(Some(rules.owner_id)),
        amount: Set(None),
        contact_id: Set(contact),
        company_id: Set(company),
        from_address: Set(Some(c.address.clone())),
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
    Ok(())
}

fn inserted(result: TryInsertResult<u64>) -> bool {
    matches!(result, TryInsertResult::Inserted(n) if n > 0)
}

/// A batch's automatic links (message, kind, record), each once, and the mark that its
/// messages were looked at: one transaction (one commit, not one a statement). Returns
/// how many links are new.
pub(crate) async fn write_batch(
    db: &DatabaseConnection,
    workspace_id: i64,
    links: &BTreeSet<(i64, CrmKind, i64)>,
    messages: &[i64],
) -> ServiceResult<u64> {
    let links: Vec<_> = links.iter().collect();
    retry_busy(|| async {
        let now = chrono::Utc::now();
        let txn = db.begin().await?;
        let mut added = 0;
        for chunk in links.chunks(IN_CHUNK) {
            let rows = chunk
                .iter()
                .map(|&&(message_id, kind, record_id)| crm_link::ActiveModel {
                    workspace_id: Set(workspace_id),
                    message_id: Set(message_id),
                    record_kind: Set(kind.as_str().to_owned()),
                    record_id: Set(record_id),
                    manual: Set(false),
                    created_by: Set(None),
                    created_at: Set(now),
                    ..Default::default()
                });
            let result = crm_link::Entity::insert_many(rows)
                .on_conflict_do_nothing_on([
                    crm_link::Column::MessageId,
                    crm_link::Column::RecordKind,
                    crm_link::Column::RecordId,
                ])
                .exec_without_returning(&txn)
                .await?;
            if let TryInsertResult::Inserted(n) = result {
                added += n;
            }
        }
        mark_checked(&txn, messages, true).await?;
        txn.commit().await?;
        Ok(added)
    })
    .await
}

/// Marks messages as looked at by the rules (`true`) or to be looked at again (`false`).
pub(crate) async fn mark_checked(
    db: &impl ConnectionTrait,
    ids: &[i64],
    checked: bool,
) -> ServiceResult<()> {
    for chunk in ids.chunks(IN_CHUNK) {
        message::Entity::update_many()
            .col_expr(message::Column::CrmChecked, checked.into())
            .filter(message::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}
