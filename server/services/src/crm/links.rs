//! Manual links between messages and CRM records (SPEC § Email ↔ CRM links, manual
//! mode): **Link to CRM** on an open message or its whole conversation, **Unlink**, the
//! records a message is linked to, and a contact or lead made from the sender in one step.
//!
//! Whoever may read a message's mailbox (owner, grantee) may link and unlink it, while the
//! mailbox has CRM links on (manual or automatic) and the workspace's plan allows them.
//! Anyone else gets `NotFound`, as if the message did not exist. Turning links off or a
//! downgrade stops new links and unlinking; the links made stay (and stay visible).

mod pick;
mod refs;
mod sender;

pub use pick::{PICK_LIMIT, PICK_TEXT_MAX, pick};
pub use refs::record_refs;
pub use sender::create_from_sender;

use crate::{
    accounts::Actor,
    entities::{crm_company, crm_contact, crm_deal, crm_link, mailbox, message, workspace},
    error::{ServiceError, ServiceResult},
    mailboxes::readable,
};
use domain::{CrmKind, CrmMode, RecordRef};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TryInsertResult,
};
use std::collections::HashMap;

/// Messages of one conversation looked at (and linked) at most by one call.
const THREAD_SCAN: u64 = 2_000;

/// Why a mailbox takes no new links: the `Invalid` field and reason the UI tells apart.
pub const LINKS_OFF: (&str, &str) = ("crm_mode", "links_off");

/// A message the actor may read, in a mailbox that takes new links; `NotFound` when the
/// actor may not read it, `PlanLacks` on a plan without CRM links, `Invalid(crm_mode)`
/// when the mailbox has links off.
pub(crate) async fn linkable(
    db: &impl ConnectionTrait,
    actor: &Actor,
    message_id: i64,
) -> ServiceResult<(message::Model, mailbox::Model)> {
    let row = message::Entity::find_by_id(message_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mailbox = readable(db, actor, row.mailbox_id).await?;
    ensure_links_on(db, &mailbox).await?;
    Ok((row, mailbox))
}

/// New links (and unlinking) need a plan with CRM links and the mailbox's links on.
async fn ensure_links_on(db: &impl ConnectionTrait, mailbox: &mailbox::Model) -> ServiceResult<()> {
    let plan = workspace::Entity::find_by_id(mailbox.workspace_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?
        .plan();
    if !plan.allows_crm_links() {
        return Err(ServiceError::PlanLacks {
            plan,
            feature: "crm",
        });
    }
    if mailbox.crm_mode == CrmMode::Off {
        return Err(ServiceError::invalid(LINKS_OFF.0, LINKS_OFF.1));
    }
    Ok(())
}

/// Whether the reading pane offers **Link to CRM** for messages of mailbox `id` (the
/// caller has checked that the reader may read it).
pub async fn mailbox_links_on(db: &impl ConnectionTrait, id: i64) -> ServiceResult<bool> {
    let mailbox = mailbox::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    match ensure_links_on(db, &mailbox).await {
        Ok(()) => Ok(true),
        Err(ServiceError::PlanLacks { .. } | ServiceError::Invalid { .. }) => Ok(false),
        Err(err) => Err(err),
    }
}

/// `NotFound` unless record (`kind`, `id`) exists in the workspace.
pub(crate) async fn ensure_record(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    kind: CrmKind,
    id: i64,
) -> ServiceResult<()> {
    let found = match kind {
        CrmKind::Contact => {
            crm_contact::Entity::find_by_id(id)
                .filter(crm_contact::Column::WorkspaceId.eq(workspace_id))
                .count(db)
                .await?
        }
        CrmKind::Company => {
            crm_company::Entity::find_by_id(id)
                .filter(crm_company::Column::WorkspaceId.eq(workspace_id))
                .count(db)
                .await?
        }
        CrmKind::Lead | CrmKind::Deal => {
            crm_deal::Entity::find_by_id(id)
                .filter(crm_deal::Column::WorkspaceId.eq(workspace_id))
                .filter(crm_deal::Column::Kind.eq(kind.as_str()))
                .count(db)
                .await?
        }
    };
    if found == 0 {
        return Err(ServiceError::NotFound);
    }
    Ok(())
}

/// Links messages to a record by hand (once: a link already there, manual or automatic,
/// stays as it is).
async fn insert_links(
    db: &impl ConnectionTrait,
    actor: &Actor,
    messages: &[i64],
    kind: CrmKind,
    record_id: i64,
) -> ServiceResult<()> {
    let now = chrono::Utc::now();
    let rows = messages.iter().map(|&message_id| crm_link::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        message_id: Set(message_id),
        record_kind: Set(kind.as_str().to_owned()),
        record_id: Set(record_id),
        manual: Set(true),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(now),
        ..Default::default()
    });
    let result = crm_link::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([
            crm_link::Column::MessageId,
            crm_link::Column::RecordKind,
            crm_link::Column::RecordId,
        ])
        .exec_without_returning(db)
        .await?;
    if let TryInsertResult::Inserted(n) = result {
        tracing::info!(
            workspace = actor.workspace_id,
            user = actor.user_id,
            kind = kind.as_str(),
            record = record_id,
            links = n,
            "messages linked to a CRM record"
        );
    }
    Ok(())
}

/// **Link to CRM**: message `message_id` to record (`kind`, `record_id`) of the workspace.
pub async fn link(
    db: &impl ConnectionTrait,
    actor: &Actor,
    message_id: i64,
    kind: CrmKind,
    record_id: i64,
) -> ServiceResult<()> {
    let (row, _) = linkable(db, actor, message_id).await?;
    ensure_record(db, actor.workspace_id, kind, record_id).await?;
    insert_links(db, actor, &[row.id], kind, record_id).await
}

/// **Link to CRM** for the whole conversation of `message_id`: every message of its
/// thread in the same mailbox (the conversation the reading pane shows, all folders);
/// returns how many messages it covers.
pub async fn link_conversation(
    db: &impl ConnectionTrait,
    actor: &Actor,
    message_id: i64,
    kind: CrmKind,
    record_id: i64,
) -> ServiceResult<usize> {
    let (row, _) = linkable(db, actor, message_id).await?;
    ensure_record(db, actor.workspace_id, kind, record_id).await?;
    let mut ids: Vec<i64> = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::MailboxId.eq(row.mailbox_id))
        .filter(message::Column::ThreadId.eq(row.thread_id.clone()))
        .limit(THREAD_SCAN)
        .into_tuple()
        .all(db)
        .await?;
    if !ids.contains(&row.id) {
        ids.push(row.id);
    }
    for chunk in ids.chunks(500) {
        insert_links(db, actor, chunk, kind, record_id).await?;
    }
    Ok(ids.len())
}

/// **Unlink**: removes the link (manual or automatic) between the message and the record.
/// A link that is not there is not an error.
pub async fn unlink(
    db: &impl ConnectionTrait,
    actor: &Actor,
    message_id: i64,
    kind: CrmKind,
    record_id: i64,
) -> ServiceResult<()> {
    let (row, _) = linkable(db, actor, message_id).await?;
    let gone = crm_link::Entity::delete_many()
        .filter(crm_link::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(crm_link::Column::MessageId.eq(row.id))
        .filter(crm_link::Column::RecordKind.eq(kind.as_str()))
        .filter(crm_link::Column::RecordId.eq(record_id))
        .exec(db)
        .await?;
    tracing::info!(
        workspace = actor.workspace_id,
        user = actor.user_id,
        kind = kind.as_str(),
        record = record_id,
        removed = gone.rows_affected,
        "message unlinked from a CRM record"
    );
    Ok(())
}

/// The records an open message is linked to (for a reader of its mailbox).
pub async fn message_links(
    db: &impl ConnectionTrait,
    actor: &Actor,
    message_id: i64,
) -> ServiceResult<Vec<RecordRef>> {
    let row = crate::mail_view::readable_message(db, actor, message_id).await?;
    Ok(links_of(db, actor.workspace_id, &[row.id])
        .await?
        .remove(&row.id)
        .unwrap_or_default())
}

/// The records each of `messages` is linked to, by kind then title; for messages the
/// caller has already checked the reader may read (a conversation being opened).
pub async fn links_of(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    messages: &[i64],
) -> ServiceResult<HashMap<i64, Vec<RecordRef>>> {
    let mut links: Vec<crm_link::Model> = Vec::new();
    for chunk in messages.chunks(500) {
        links.extend(
            crm_link::Entity::find()
                .filter(crm_link::Column::WorkspaceId.eq(workspace_id))
                .filter(crm_link::Column::MessageId.is_in(chunk.to_vec()))
                .order_by_asc(crm_link::Column::Id)
                .all(db)
                .await?,
        );
    }
    let keys: Vec<(CrmKind, i64)> = links
        .iter()
        .filter_map(|l| Some((l.record_kind.parse().ok()?, l.record_id)))
        .collect();
    let refs = record_refs(db, workspace_id, &keys).await?;
    let mut out: HashMap<i64, Vec<RecordRef>> = HashMap::new();
    for link in links {
        let Ok(kind) = link.record_kind.parse::<CrmKind>() else {
            continue;
        };
        // A link whose record is gone (deleted) is not shown.
        if let Some(r) = refs.get(&(kind, link.record_id)) {
            out.entry(link.message_id).or_default().push(r.clone());
        }
    }
    for records in out.values_mut() {
        records.sort_by(|a, b| (a.kind, &a.title, a.id).cmp(&(b.kind, &b.title, b.id)));
    }
    Ok(out)
}
