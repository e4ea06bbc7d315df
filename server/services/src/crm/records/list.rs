//! Lists of one kind, newest first in keyset pages: a search (names and titles, a
//! contact's addresses and phones, a company's domains) and an owner filter. Also the
//! choices of a form (owners, companies, contacts) and records named by id.

use super::{deal_kind, fields};
use crate::{
    accounts::Actor,
    entities::{crm_company, crm_company_domain, crm_contact, crm_contact_email, crm_deal, user},
    error::ServiceResult,
};
use domain::{CrmKind, OwnerRef, RecordPage, RecordQuery, RecordRef};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, LikeExpr, Query, SimpleExpr},
};
use std::collections::BTreeMap;

/// Records on one page of a list.
pub const PAGE_SIZE: u64 = 50;
/// Companies or contacts a form offers to choose from.
const MAX_CHOICES: u64 = 500;

/// One page of the actor's workspace's records of `kind`.
pub async fn list_records(
    db: &impl ConnectionTrait,
    actor: &Actor,
    kind: CrmKind,
    query: &RecordQuery,
) -> ServiceResult<RecordPage> {
    let search = fields::search(&query.search)?;
    let ws = actor.workspace_id;
    let limit = PAGE_SIZE + 1;
    let mut records = match kind {
        CrmKind::Contact => {
            let mut find = crm_contact::Entity::find()
                .filter(crm_contact::Column::WorkspaceId.eq(ws))
                .order_by_desc(crm_contact::Column::Id)
                .limit(limit);
            if let Some(owner) = query.owner_id {
                find = find.filter(crm_contact::Column::OwnerId.eq(owner));
            }
            if let Some(before) = query.before {
                find = find.filter(crm_contact::Column::Id.lt(before));
            }
            if !search.is_empty() {
                let emails = Query::select()
                    .column(crm_contact_email::Column::ContactId)
                    .from(crm_contact_email::Entity)
                    .and_where(Expr::col(crm_contact_email::Column::WorkspaceId).eq(ws))
                    .and_where(like(
                        crm_contact_email::Column::Email,
                        &search.to_lowercase(),
                    ))
                    .to_owned();
                find = find.filter(
                    text_matches(crm_contact::Column::Name, &search)
                        .add(like(crm_contact::Column::Phones, &search))
                        .add(crm_contact::Column::Id.in_subquery(emails)),
                );
            }
            contact_refs(db, find.all(db).await?).await?
        }
        CrmKind::Company => {
            let mut find = crm_company::Entity::find()
                .filter(crm_company::Column::WorkspaceId.eq(ws))
                .order_by_desc(crm_company::Column::Id)
                .limit(limit);
            if let Some(owner) = query.owner_id {
                find = find.filter(crm_company::Column::OwnerId.eq(owner));
            }
            if let Some(before) = query.before {
                find = find.filter(crm_company::Column::Id.lt(before));
            }
            if !search.is_empty() {
                let domains = Query::select()
                    .column(crm_company_domain::Column::CompanyId)
                    .from(crm_company_domain::Entity)
                    .and_where(Expr::col(crm_company_domain::Column::WorkspaceId).eq(ws))
                    .and_where(like(
                        crm_company_domain::Column::Domain,
                        &search.to_lowercase(),
                    ))
                    .to_owned();
                find = find.filter(
                    text_matches(crm_company::Column::Name, &search)
                        .add(crm_company::Column::Id.in_subquery(domains)),
                );
            }
            company_refs(db, find.all(db).await?).await?
        }
        CrmKind::Lead | CrmKind::Deal => {
            let mut find = crm_deal::Entity::find()
                .filter(crm_deal::Column::WorkspaceId.eq(ws))
                .filter(crm_deal::Column::Kind.eq(deal_kind(kind)?))
                .order_by_desc(crm_deal::Column::Id)
                .limit(limit);
            if let Some(owner) = query.owner_id {
                find = find.filter(crm_deal::Column::OwnerId.eq(owner));
            }
            if let Some(before) = query.before {
                find = find.filter(crm_deal::Column::Id.lt(before));
            }
            if !search.is_empty() {
                find = find.filter(text_matches(crm_deal::Column::Title, &search));
            }
            find.all(db)
                .await?
                .into_iter()
                .map(|d| deal_ref(kind, d))
                .collect()
        }
    };
    let next = if records.len() as u64 > PAGE_SIZE {
        records.truncate(PAGE_SIZE as usize);
        records.last().map(|r| r.id)
    } else {
        None
    };
    Ok(RecordPage { records, next })
}

/// `column LIKE %text%`, the text's wildcards taken literally.
fn like(column: impl sea_orm::sea_query::IntoColumnRef + Copy, text: &str) -> SimpleExpr {
    let pattern = format!("%{}%", escape_like(text));
    Expr::col(column).like(LikeExpr::new(pattern).escape('\\'))
}

/// A name or title containing `text` in any case. The databases fold only ASCII case
/// (SQLite always, PostgreSQL under the C locale), so a Cyrillic text is also matched as
/// typed, lower-case, capitalised and upper-case.
fn text_matches(column: impl sea_orm::sea_query::IntoColumnRef + Copy, text: &str) -> Condition {
    let lower = text.to_lowercase();
    let pattern = format!("%{}%", escape_like(&lower));
    let mut any = Condition::any()
        .add(Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern).escape('\\')));
    if !text.is_ascii() {
        let capitalised = lower
            .split(' ')
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(" ");
        let mut variants = vec![
            text.to_owned(),
            lower.clone(),
            capitalised,
            text.to_uppercase(),
        ];
        variants.sort();
        variants.dedup();
        for variant in variants {
            any = any.add(like(column, &variant));
        }
    }
    any
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Contacts as list rows: the second line is the first address (alphabetically).
async fn contact_refs(
    db: &impl ConnectionTrait,
    rows: Vec<crm_contact::Model>,
) -> ServiceResult<Vec<RecordRef>> {
    let emails: BTreeMap<i64, String> = crm_contact_email::Entity::find()
        .filter(crm_contact_email::Column::ContactId.is_in(rows.iter().map(|r| r.id)))
        .order_by_desc(crm_contact_email::Column::Email)
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.contact_id, e.email))
        .collect();
    Ok(rows
        .into_iter()
        .map(|c| RecordRef {
            kind: CrmKind::Contact,
            id: c.id,
            detail: emails.get(&c.id).cloned().unwrap_or_default(),
            title: c.name,
        })
        .collect())
}

/// Companies as list rows: the second line is the first domain (alphabetically).
async fn company_refs(
    db: &impl ConnectionTrait,
    rows: Vec<crm_company::Model>,
) -> ServiceResult<Vec<RecordRef>> {
    let domains: BTreeMap<i64, String> = crm_company_domain::Entity::find()
        .filter(crm_company_domain::Column::CompanyId.is_in(rows.iter().map(|r| r.id)))
        .order_by_desc(crm_company_domain::Column::Domain)
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.company_id, d.domain))
        .collect();
    Ok(rows
        .into_iter()
        .map(|c| RecordRef {
            kind: CrmKind::Company,
            id: c.id,
            detail: domains.get(&c.id).cloned().unwrap_or_default(),
            title: c.name,
        })
        .collect())
}

/// A lead or deal as a list row: the second line is its stage (`kind.stages()`).
pub(super) fn deal_ref(kind: CrmKind, d: crm_deal::Model) -> RecordRef {
    RecordRef {
        kind,
        id: d.id,
        title: d.title,
        detail: d.stage,
    }
}

/// The workspace's members, as owners to choose, by name.
pub async fn owners(db: &impl ConnectionTrait, actor: &Actor) -> ServiceResult<Vec<OwnerRef>> {
    Ok(user::Entity::find()
        .filter(user::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_asc(user::Column::Name)
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| OwnerRef {
            id: u.id,
            name: u.name,
        })
        .collect())
}

/// Up to 500 records of `kind` by name or title, for a form's choice (a contact's
/// company, a deal's contact and company).
pub async fn choices(
    db: &impl ConnectionTrait,
    actor: &Actor,
    kind: CrmKind,
) -> ServiceResult<Vec<RecordRef>> {
    let ws = actor.workspace_id;
    match kind {
        CrmKind::Contact => {
            let rows = crm_contact::Entity::find()
                .filter(crm_contact::Column::WorkspaceId.eq(ws))
                .order_by_asc(crm_contact::Column::Name)
                .limit(MAX_CHOICES)
                .all(db)
                .await?;
            contact_refs(db, rows).await
        }
        CrmKind::Company => {
            let rows = crm_company::Entity::find()
                .filter(crm_company::Column::WorkspaceId.eq(ws))
                .order_by_asc(crm_company::Column::Name)
                .limit(MAX_CHOICES)
                .all(db)
                .await?;
            company_refs(db, rows).await
        }
        CrmKind::Lead | CrmKind::Deal => Ok(crm_deal::Entity::find()
            .filter(crm_deal::Column::WorkspaceId.eq(ws))
            .filter(crm_deal::Column::Kind.eq(kind.as_str()))
            .order_by_asc(crm_deal::Column::Title)
            .limit(MAX_CHOICES)
            .all(db)
            .await?
            .into_iter()
            .map(|d| deal_ref(kind, d))
            .collect()),
    }
}

/// The records of `kind` among `ids` that the workspace has, as list rows, in id order.
/// Ids of another workspace or of deleted records are left out.
pub async fn refs(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    kind: CrmKind,
    ids: &[i64],
) -> ServiceResult<Vec<RecordRef>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = ids.iter().copied();
    match kind {
        CrmKind::Contact => {
            let rows = crm_contact::Entity::find()
                .filter(crm_contact::Column::WorkspaceId.eq(workspace_id))
                .filter(crm_contact::Column::Id.is_in(ids))
                .order_by_asc(crm_contact::Column::Id)
                .all(db)
                .await?;
            contact_refs(db, rows).await
        }
        CrmKind::Company => {
            let rows = crm_company::Entity::find()
                .filter(crm_company::Column::WorkspaceId.eq(workspace_id))
                .filter(crm_company::Column::Id.is_in(ids))
                .order_by_asc(crm_company::Column::Id)
                .all(db)
                .await?;
            company_refs(db, rows).await
        }
        CrmKind::Lead | CrmKind::Deal => Ok(crm_deal::Entity::find()
            .filter(crm_deal::Column::WorkspaceId.eq(workspace_id))
            .filter(crm_deal::Column::Kind.eq(kind.as_str()))
            .filter(crm_deal::Column::Id.is_in(ids))
            .order_by_asc(crm_deal::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(|d| deal_ref(kind, d))
            .collect()),
    }
}
