//! Automatic mode (SPEC § Email ↔ CRM links): during sync and on send, mail is linked to
//! the records whose address matches a participant (From, To, Cc, Reply-To), then to
//! companies by domain, and the mailbox's creation rules make contacts and leads from
//! unknown senders (incoming) and recipients (outgoing). Machine mail, the workspace's
//! own people and domains and no-reply addresses never make records; free-mail domains
//! never make companies ([`rules`]).
//!
//! Messages carry `crm_checked`: [`link_pending`] looks at those not yet checked, of a
//! mailbox in automatic mode on a plan with CRM links, in batches, and marks them. Mail
//! of a mailbox with links off or manual, or on a plan without them, is left alone: no
//! new links nor records, and the links made stay. [`preview`] runs the same decisions
//! over the mailbox's last 100 messages without writing anything.

#[path = "auto_rules.rs"]
pub(crate) mod rules;
#[path = "auto_store.rs"]
mod store;

use crate::{
    accounts::Actor,
    entities::{mailbox, mailbox_folder, message, workspace},
    error::{ServiceError, ServiceResult},
    mailboxes,
};
use domain::{CrmCreate, CrmMode, FolderRole, PlannedRecord};
use rules::{Rules, Seen};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::{BTreeSet, HashSet};

/// Messages looked at per batch.
pub const BATCH: u64 = 500;
/// Messages the preview looks at (the newest).
pub const PREVIEW_MESSAGES: u64 = 100;

/// What a run of the rules did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Linked {
    /// Messages looked at (and marked).
    pub messages: usize,
    /// New links.
    pub links: u64,
    /// Records made (some may have been made at the same time by another process).
    pub created: Vec<PlannedRecord>,
    /// Messages are still waiting (the call was bounded).
    pub more: bool,
}

/// Links (and makes records from) the mailbox's messages the rules have not looked at,
/// when it is in automatic mode on a plan with CRM links; every batch.
pub async fn link_pending(db: &DatabaseConnection, mailbox_id: i64) -> ServiceResult<Linked> {
    link_some(db, mailbox_id, usize::MAX).await
}

/// [`link_pending`] for at most `batches` batches.
pub async fn link_some(
    db: &DatabaseConnection,
    mailbox_id: i64,
    batches: usize,
) -> ServiceResult<Linked> {
    let mut done = Linked::default();
    for _ in 0..batches {
        // Read again each batch: links turned off or a downgrade stop a long run.
        let Some(rules) = automatic_rules(db, mailbox_id).await? else {
            return Ok(done);
        };
        let batch: Vec<Seen> = seen_query(mailbox_id)
            .filter(message::Column::CrmChecked.eq(false))
            .order_by_asc(message::Column::Id)
            .limit(BATCH)
            .into_model()
            .all(db)
            .await?;
        let full = batch.len() as u64 == BATCH;
        let (links, created) = run(db, &rules, &batch).await?;
        let ids: Vec<i64> = batch.iter().map(|m| m.id).collect();
        done.links += store::write_batch(db, rules.workspace_id, &links, &ids).await?;
        done.messages += ids.len();
        done.created.extend(created);
        if !full {
            return Ok(done);
        }
    }
    done.more = true;
    Ok(done)
}

/// [`link_pending`] where mail was just stored (after a sync run, after a sent copy):
/// a failure is logged, never the caller's.
pub async fn link_after_store(db: &DatabaseConnection, mailbox_id: i64) {
    let started = std::time::Instant::now();
    match link_pending(db, mailbox_id).await {
        Ok(done) if done.messages > 0 => tracing::debug!(
            mailbox = mailbox_id,
            messages = done.messages,
            links = done.links,
            created = done.created.len(),
            ms = started.elapsed().as_millis() as u64,
            "CRM rules applied"
        ),
        Ok(_) => {}
        Err(err) => {
            tracing::warn!(mailbox = mailbox_id, %err, "CRM links: applying the rules failed")
        }
    }
}

/// Links of one batch's messages (message, kind, record).
type BatchLinks = BTreeSet<(i64, domain::CrmKind, i64)>;

/// Creation, then the links, for one batch; returns the links and what was made.
async fn run(
    db: &DatabaseConnection,
    rules: &Rules,
    batch: &[Seen],
) -> ServiceResult<(BatchLinks, Vec<PlannedRecord>)> {
    if batch.is_empty() {
        return Ok((BatchLinks::new(), Vec::new()));
    }
    let participants: Vec<BTreeSet<String>> = batch.iter().map(|m| rules.participants(m)).collect();
    let (addresses, domains) = keys(rules, &participants);
    let mut known = store::known(db, rules.workspace_id, &addresses, &domains).await?;
    let plan = rules.plan(batch, &known);
    let mut created = Vec::new();
    if !plan.is_empty() {
        created = store::create(db, rules, &plan, &known).await?;
        known = store::known(db, rules.workspace_id, &addresses, &domains).await?;
    }
    let links: BatchLinks = batch
        .iter()
        .zip(&participants)
        .flat_map(|(m, p)| {
            known
                .links(rules, p)
                .into_iter()
                .map(move |(kind, id)| (m.id, kind, id))
        })
        .collect();
    Ok((links, created))
}

/// Every participant's address, and the company domains among them.
fn keys(rules: &Rules, participants: &[BTreeSet<String>]) -> (BTreeSet<String>, BTreeSet<String>) {
    let addresses: BTreeSet<String> = participants.iter().flatten().cloned().collect();
    let domains = addresses
        .iter()
        .filter_map(|a| rules.company_domain(a).map(str::to_owned))
        .collect();
    (addresses, domains)
}

/// What the creation rules `create` would make from the mailbox's last 100 messages (by
/// date received), as things stand; writes nothing. For the mailbox's owner.
pub async fn preview(
    db: &DatabaseConnection,
    actor: &Actor,
    mailbox_id: i64,
    create: CrmCreate,
) -> ServiceResult<Vec<PlannedRecord>> {
    let row = mailboxes::owned(db, actor, mailbox_id).await?;
    let plan = plan_of(db, row.workspace_id).await?;
    if !plan.allows_crm_links() {
        return Err(ServiceError::PlanLacks {
            plan,
            feature: "crm",
        });
    }
    let rules = rules_of(db, &row, create).await?;
    let mut messages: Vec<Seen> = seen_query(mailbox_id)
        .order_by_desc(message::Column::ReceivedAt)
        .order_by_desc(message::Column::Id)
        .limit(PREVIEW_MESSAGES)
        .into_model()
        .all(db)
        .await?;
    // In the order a run takes them, so the first message naming someone names them.
    messages.sort_by_key(|m| m.id);
    let participants: Vec<BTreeSet<String>> =
        messages.iter().map(|m| rules.participants(m)).collect();
    let (addresses, domains) = keys(&rules, &participants);
    let known = store::known(db, rules.workspace_id, &addresses, &domains).await?;
    let mut records: Vec<PlannedRecord> = rules
        .plan(&messages, &known)
        .iter()
        .flat_map(|c| c.records())
        .collect();
    records.sort();
    Ok(records)
}

/// Mail already synced when automatic mode (or a creation rule) is turned on: `apply`
/// leaves it all to the rules (looked at again), else only new mail is.
pub async fn mark_synced(
    db: &impl ConnectionTrait,
    mailbox_id: i64,
    apply: bool,
) -> ServiceResult<()> {
    message::Entity::update_many()
        .col_expr(message::Column::CrmChecked, (!apply).into())
        .filter(message::Column::MailboxId.eq(mailbox_id))
        .exec(db)
        .await?;
    Ok(())
}

fn seen_query(mailbox_id: i64) -> sea_orm::Select<message::Entity> {
    message::Entity::find()
        .select_only()
        .columns([
            message::Column::Id,
            message::Column::FolderId,
            message::Column::FromName,
            message::Column::FromAddress,
            message::Column::ToList,
            message::Column::CcList,
            message::Column::ReplyTo,
            message::Column::Automated,
        ])
        .filter(message::Column::MailboxId.eq(mailbox_id))
}

/// The mailbox's rules when it is in automatic mode on a plan with CRM links.
async fn automatic_rules(db: &DatabaseConnection, mailbox_id: i64) -> ServiceResult<Option<Rules>> {
    let Some(row) = mailbox::Entity::find_by_id(mailbox_id).one(db).await? else {
        return Ok(None);
    };
    if row.crm_mode != CrmMode::Automatic
        || !plan_of(db, row.workspace_id).await?.allows_crm_links()
    {
        return Ok(None);
    }
    let create = row.crm_create;
    Ok(Some(rules_of(db, &row, create).await?))
}

async fn plan_of(db: &impl ConnectionTrait, workspace_id: i64) -> ServiceResult<domain::Plan> {
    Ok(workspace::Entity::find_by_id(workspace_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?
        .plan())
}

async fn rules_of(
    db: &impl ConnectionTrait,
    row: &mailbox::Model,
    create: CrmCreate,
) -> ServiceResult<Rules> {
    let sent_folders: HashSet<i64> = mailbox_folder::Entity::find()
        .filter(mailbox_folder::Column::MailboxId.eq(row.id))
        .all(db)
        .await?
        .into_iter()
        .filter(|f| FolderRole::of(&f.name, f.special_use.as_deref()) == Some(FolderRole::Sent))
        .map(|f| f.id)
        .collect();
    Ok(Rules {
        workspace_id: row.workspace_id,
        owner_id: row.owner_id,
        own_address: super::addresses::normalize(&row.email),
        sent_folders,
        create,
        own: super::addresses::Own::of(db, row.workspace_id).await?,
    })
}
