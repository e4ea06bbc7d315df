//! The picker of **Link to CRM**: contacts (name, addresses), companies (name, domains),
//! leads and deals (title) of the actor's workspace whose text contains what was typed.

use super::refs::record_refs;
use crate::{
    accounts::Actor,
    entities::{crm_company, crm_company_domain, crm_contact, crm_contact_email, crm_deal},
    error::{ServiceError, ServiceResult},
};
use domain::{CrmKind, RecordRef};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, IntoColumnRef, LikeExpr, SimpleExpr},
};

/// The longest search text, in characters.
pub const PICK_TEXT_MAX: usize = 100;
/// Records offered at most.
pub const PICK_LIMIT: usize = 20;

/// Up to 20 records of the workspace whose name, title, address or domain contains
/// `text` (any case), those starting with it first; nothing for an empty text.
pub async fn pick(
    db: &impl ConnectionTrait,
    actor: &Actor,
    text: &str,
) -> ServiceResult<Vec<RecordRef>> {
    let text = text.trim();
    if text.chars().count() > PICK_TEXT_MAX {
        return Err(ServiceError::invalid("search", "too_long"));
    }
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let ws = actor.workspace_id;
    let like = Like::new(text);
    let limit = PICK_LIMIT as u64;
    let mut keys: Vec<(CrmKind, i64)> = Vec::new();

    let by_name: Vec<i64> = crm_contact::Entity::find()
        .select_only()
        .column(crm_contact::Column::Id)
        .filter(crm_contact::Column::WorkspaceId.eq(ws))
        .filter(like.text(crm_contact::Column::Name))
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    let by_email: Vec<i64> = crm_contact_email::Entity::find()
        .select_only()
        .column(crm_contact_email::Column::ContactId)
        .filter(crm_contact_email::Column::WorkspaceId.eq(ws))
        .filter(like.lower(crm_contact_email::Column::Email))
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    keys.extend(
        by_name
            .into_iter()
            .chain(by_email)
            .map(|id| (CrmKind::Contact, id)),
    );

    let by_name: Vec<i64> = crm_company::Entity::find()
        .select_only()
        .column(crm_company::Column::Id)
        .filter(crm_company::Column::WorkspaceId.eq(ws))
        .filter(like.text(crm_company::Column::Name))
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    let by_domain: Vec<i64> = crm_company_domain::Entity::find()
        .select_only()
        .column(crm_company_domain::Column::CompanyId)
        .filter(crm_company_domain::Column::WorkspaceId.eq(ws))
        .filter(like.lower(crm_company_domain::Column::Domain))
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    keys.extend(
        by_name
            .into_iter()
            .chain(by_domain)
            .map(|id| (CrmKind::Company, id)),
    );

    let deals: Vec<(i64, String)> = crm_deal::Entity::find()
        .select_only()
        .column(crm_deal::Column::Id)
        .column(crm_deal::Column::Kind)
        .filter(crm_deal::Column::WorkspaceId.eq(ws))
        .filter(like.text(crm_deal::Column::Title))
        .limit(limit * 2)
        .into_tuple()
        .all(db)
        .await?;
    keys.extend(
        deals
            .into_iter()
            .filter_map(|(id, kind)| Some((kind.parse::<CrmKind>().ok()?, id))),
    );

    let refs = record_refs(db, ws, &keys).await?;
    let folded = text.to_lowercase();
    let mut found: Vec<RecordRef> = refs.into_values().collect();
    found.sort_by_cached_key(|r| {
        let title = r.title.to_lowercase();
        let starts = title.starts_with(&folded) || r.detail.to_lowercase().starts_with(&folded);
        (!starts, r.kind, title, r.id)
    });
    found.truncate(PICK_LIMIT);
    Ok(found)
}

/// "Contains, in any case" for both databases. SQLite's `lower()` and `LIKE` fold ASCII
/// only (and PostgreSQL's `lower()` only what the database's locale knows), so a
/// non-ASCII text is also tried as typed, capitalised and in capitals ("олена" finds
/// "Олена" and "ОЛЕНА"; a mixed-case name in the middle of a word may be missed).
struct Like {
    folded: String,
    variants: Vec<String>,
}

impl Like {
    fn new(text: &str) -> Like {
        let folded = text.to_lowercase();
        let mut variants = Vec::new();
        if !text.is_ascii() {
            variants.push(text.to_owned());
            variants.push(text.to_uppercase());
            variants.push(capitalised(&folded));
            variants.push(
                folded
                    .split(' ')
                    .map(capitalised)
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            variants.sort();
            variants.dedup();
        }
        Like { folded, variants }
    }

    fn pattern(text: &str) -> LikeExpr {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        LikeExpr::new(format!("%{escaped}%")).escape('\\')
    }

    /// A name or title, stored as typed.
    fn text(&self, col: impl IntoColumnRef + Copy) -> Condition {
        let lowered: SimpleExpr = Func::lower(Expr::col(col)).into();
        let mut any = Condition::any().add(lowered.like(Self::pattern(&self.folded)));
        for v in &self.variants {
            any = any.add(Expr::col(col).like(Self::pattern(v)));
        }
        any
    }

    /// An address or domain, stored in lower case.
    fn lower(&self, col: impl IntoColumnRef) -> SimpleExpr {
        Expr::col(col).like(Self::pattern(&self.folded))
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
