//! Creating and editing records (`id` none: a new one). Each save is one transaction that
//! checks what the record points to and the addresses or domains it takes; an address of
//! another contact, or a domain of another company, refuses the whole save, named.

use super::{SaveError, SaveResult, begin_write, check_owner, check_ref, deal_kind, fields};
use crate::{
    accounts::Actor,
    entities::{crm_company, crm_company_domain, crm_contact, crm_contact_email, crm_deal},
    error::ServiceError,
};
use chrono::Utc;
use domain::{CompanyFields, ContactFields, CrmKind, DealFields};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    DbErr, EntityTrait, QueryFilter, SqlErr,
};

/// Creates (`id` none) or edits a contact; its id.
pub async fn save_contact(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Option<i64>,
    fields: ContactFields,
) -> SaveResult<i64> {
    let f = fields::contact(fields)?;
    let txn = begin_write(db).await?;
    check_owner(&txn, actor, f.owner_id).await?;
    check_ref(&txn, actor, "company", CrmKind::Company, f.company_id).await?;
    let now = Utc::now();
    let contact = match id {
        Some(id) => {
            let row = crm_contact::Entity::find_by_id(id)
                .filter(crm_contact::Column::WorkspaceId.eq(actor.workspace_id))
                .one(&txn)
                .await?
                .ok_or(ServiceError::NotFound)?;
            let mut row: crm_contact::ActiveModel = row.into();
            row.name = Set(f.name);
            row.phones = Set(f.phones.join("\n"));
            row.company_id = Set(f.company_id);
            row.owner_id = Set(f.owner_id);
            row.updated_at = Set(now);
            row.update(&txn).await?
        }
        None => {
            crm_contact::ActiveModel {
                workspace_id: Set(actor.workspace_id),
                name: Set(f.name),
                phones: Set(f.phones.join("\n")),
                company_id: Set(f.company_id),
                owner_id: Set(f.owner_id),
                from_mail: Set(false),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    set_emails(&txn, actor.workspace_id, contact.id, &f.emails).await?;
    txn.commit().await?;
    tracing::info!(
        workspace = actor.workspace_id,
        contact = contact.id,
        "CRM contact saved"
    );
    Ok(contact.id)
}

/// The contact's addresses become `emails`: others' are refused, dropped ones removed.
async fn set_emails(
    txn: &DatabaseTransaction,
    workspace_id: i64,
    contact_id: i64,
    emails: &[String],
) -> SaveResult<()> {
    let held = crm_contact_email::Entity::find()
        .filter(crm_contact_email::Column::WorkspaceId.eq(workspace_id))
        .filter(crm_contact_email::Column::Email.is_in(emails.iter().cloned()))
        .all(txn)
        .await?;
    if let Some(other) = held.iter().find(|row| row.contact_id != contact_id) {
        return Err(taken("email", &other.email));
    }
    crm_contact_email::Entity::delete_many()
        .filter(crm_contact_email::Column::ContactId.eq(contact_id))
        .filter(crm_contact_email::Column::Email.is_not_in(emails.iter().cloned()))
        .exec(txn)
        .await?;
    for email in emails
        .iter()
        .filter(|e| !held.iter().any(|h| &h.email == *e))
    {
        crm_contact_email::ActiveModel {
            workspace_id: Set(workspace_id),
            email: Set(email.clone()),
            contact_id: Set(contact_id),
        }
        .insert(txn)
        .await
        .map_err(|err| unique("email", email, err))?;
    }
    Ok(())
}

/// Creates (`id` none) or edits a company; its id.
pub async fn save_company(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Option<i64>,
    fields: CompanyFields,
) -> SaveResult<i64> {
    let f = fields::company(fields)?;
    let txn = begin_write(db).await?;
    check_owner(&txn, actor, f.owner_id).await?;
    let now = Utc::now();
    let company = match id {
        Some(id) => {
            let row = crm_company::Entity::find_by_id(id)
                .filter(crm_company::Column::WorkspaceId.eq(actor.workspace_id))
                .one(&txn)
                .await?
                .ok_or(ServiceError::NotFound)?;
            let mut row: crm_company::ActiveModel = row.into();
            row.name = Set(f.name);
            row.owner_id = Set(f.owner_id);
            row.updated_at = Set(now);
            row.update(&txn).await?
        }
        None => {
            crm_company::ActiveModel {
                workspace_id: Set(actor.workspace_id),
                name: Set(f.name),
                owner_id: Set(f.owner_id),
                from_mail: Set(false),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    set_domains(&txn, actor.workspace_id, company.id, &f.domains).await?;
    txn.commit().await?;
    tracing::info!(
        workspace = actor.workspace_id,
        company = company.id,
        "CRM company saved"
    );
    Ok(company.id)
}

async fn set_domains(
    txn: &DatabaseTransaction,
    workspace_id: i64,
    company_id: i64,
    domains: &[String],
) -> SaveResult<()> {
    let held = crm_company_domain::Entity::find()
        .filter(crm_company_domain::Column::WorkspaceId.eq(workspace_id))
        .filter(crm_company_domain::Column::Domain.is_in(domains.iter().cloned()))
        .all(txn)
        .await?;
    if let Some(other) = held.iter().find(|row| row.company_id != company_id) {
        return Err(taken("domain", &other.domain));
    }
    crm_company_domain::Entity::delete_many()
        .filter(crm_company_domain::Column::CompanyId.eq(company_id))
        .filter(crm_company_domain::Column::Domain.is_not_in(domains.iter().cloned()))
        .exec(txn)
        .await?;
    for domain in domains
        .iter()
        .filter(|d| !held.iter().any(|h| &h.domain == *d))
    {
        crm_company_domain::ActiveModel {
            workspace_id: Set(workspace_id),
            domain: Set(domain.clone()),
            company_id: Set(company_id),
        }
        .insert(txn)
        .await
        .map_err(|err| unique("domain", domain, err))?;
    }
    Ok(())
}

/// Creates (`id` none) or edits a lead or a deal (`kind`); its id. A lead made from mail
/// keeps the address it was made from.
pub async fn save_deal(
    db: &DatabaseConnection,
    actor: &Actor,
    kind: CrmKind,
    id: Option<i64>,
    fields: DealFields,
) -> SaveResult<i64> {
    let kind_str = deal_kind(kind)?;
    let f = fields::deal(kind, fields)?;
    let txn = begin_write(db).await?;
    check_owner(&txn, actor, f.owner_id).await?;
    check_ref(&txn, actor, "contact", CrmKind::Contact, f.contact_id).await?;
    check_ref(&txn, actor, "company", CrmKind::Company, f.company_id).await?;
    let now = Utc::now();
    let deal = match id {
        Some(id) => {
            let row = crm_deal::Entity::find_by_id(id)
                .filter(crm_deal::Column::WorkspaceId.eq(actor.workspace_id))
                .filter(crm_deal::Column::Kind.eq(kind_str))
                .one(&txn)
                .await?
                .ok_or(ServiceError::NotFound)?;
            let mut row: crm_deal::ActiveModel = row.into();
            row.title = Set(f.title);
            row.stage = Set(f.stage);
            row.owner_id = Set(f.owner_id);
            row.amount = Set(f.amount);
            row.contact_id = Set(f.contact_id);
            row.company_id = Set(f.company_id);
            row.updated_at = Set(now);
            row.update(&txn).await?
        }
        None => {
            crm_deal::ActiveModel {
                workspace_id: Set(actor.workspace_id),
                kind: Set(kind_str.to_owned()),
                title: Set(f.title),
                stage: Set(f.stage),
                owner_id: Set(f.owner_id),
                amount: Set(f.amount),
                contact_id: Set(f.contact_id),
                company_id: Set(f.company_id),
                from_address: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    txn.commit().await?;
    tracing::info!(
        workspace = actor.workspace_id,
        kind = kind_str,
        id = deal.id,
        "CRM record saved"
    );
    Ok(deal.id)
}

fn taken(field: &'static str, value: &str) -> SaveError {
    SaveError::Taken {
        field,
        value: value.to_owned(),
    }
}

/// An insert that lost a race for an address or domain to another save.
fn unique(field: &'static str, value: &str, err: DbErr) -> SaveError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => taken(field, value),
        _ => err.into(),
    }
}
