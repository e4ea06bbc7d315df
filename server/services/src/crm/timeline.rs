//! A CRM card's correspondence: the messages linked to the record, newest first, both
//! directions. A company's card also shows what is linked to its contacts.
//!
//! A reader of a message's mailbox sees its subject, sender and snippet; anyone else in
//! the workspace sees only that it exists (date, direction, mailbox): the content is never
//! read for them. Links stay visible after a downgrade or with links turned off.

use super::links::ensure_record;
use crate::{
    accounts::Actor,
    entities::{crm_contact, crm_link, mailbox, mailbox_folder, message},
    error::ServiceResult,
    mailboxes::readable_ids,
};
use domain::{CrmKind, FolderRole, TimelineEntry, Timestamp};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Query,
};
use std::collections::{HashMap, HashSet};

/// Messages a card shows at most (the newest).
pub const TIMELINE_LIMIT: usize = 200;

/// What a timeline reads of a message: never the bodies.
#[derive(FromQueryResult)]
struct Row {
    id: i64,
    mailbox_id: i64,
    folder_id: i64,
    message_id: Option<String>,
    subject: String,
    from_name: String,
    from_address: String,
    snippet: String,
    sent_at: Option<chrono::DateTime<chrono::Utc>>,
    received_at: chrono::DateTime<chrono::Utc>,
}

/// The correspondence of record (`kind`, `record_id`) of the actor's workspace
/// (`NotFound` for another workspace's record): its own links and, for a company, its
/// contacts' links; at most 200 messages, newest first.
pub async fn timeline(
    db: &impl ConnectionTrait,
    actor: &Actor,
    kind: CrmKind,
    record_id: i64,
) -> ServiceResult<Vec<TimelineEntry>> {
    let ws = actor.workspace_id;
    ensure_record(db, ws, kind, record_id).await?;
    let mut records = Condition::any().add(of(kind, vec![record_id]));
    if kind == CrmKind::Company {
        let contacts: Vec<i64> = crm_contact::Entity::find()
            .select_only()
            .column(crm_contact::Column::Id)
            .filter(crm_contact::Column::WorkspaceId.eq(ws))
            .filter(crm_contact::Column::CompanyId.eq(record_id))
            .into_tuple()
            .all(db)
            .await?;
        if !contacts.is_empty() {
            records = records.add(of(CrmKind::Contact, contacts));
        }
    }
    let linked = Query::select()
        .column(crm_link::Column::MessageId)
        .from(crm_link::Entity)
        .cond_where(
            Condition::all()
                .add(crm_link::Column::WorkspaceId.eq(ws))
                .add(records.clone()),
        )
        .to_owned();
    let rows = message::Entity::find()
        .select_only()
        .columns([
            message::Column::Id,
            message::Column::MailboxId,
            message::Column::FolderId,
            message::Column::MessageId,
            message::Column::Subject,
            message::Column::FromName,
            message::Column::FromAddress,
            message::Column::Snippet,
            message::Column::SentAt,
            message::Column::ReceivedAt,
        ])
        .filter(message::Column::Id.in_subquery(linked))
        .order_by_desc(message::Column::ReceivedAt)
        .order_by_desc(message::Column::Id)
        .limit(TIMELINE_LIMIT as u64 * 2)
        .into_model::<Row>()
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let manual: HashSet<i64> = if ids.is_empty() {
        HashSet::new()
    } else {
        crm_link::Entity::find()
            .filter(crm_link::Column::WorkspaceId.eq(ws))
            .filter(crm_link::Column::MessageId.is_in(ids))
            .filter(crm_link::Column::Manual.eq(true))
            .filter(records)
            .all(db)
            .await?
            .into_iter()
            .map(|l| l.message_id)
            .collect()
    };
    let readable: HashSet<i64> = readable_ids(db, actor).await?.into_iter().collect();
    let mailbox_ids: Vec<i64> = unique(rows.iter().map(|r| r.mailbox_id));
    let mailboxes: HashMap<i64, mailbox::Model> = mailbox::Entity::find()
        .filter(mailbox::Column::WorkspaceId.eq(ws))
        .filter(mailbox::Column::Id.is_in(mailbox_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let sent: HashSet<i64> = mailbox_folder::Entity::find()
        .filter(mailbox_folder::Column::Id.is_in(unique(rows.iter().map(|r| r.folder_id))))
        .all(db)
        .await?
        .into_iter()
        .filter(|f| FolderRole::of(&f.name, f.special_use.as_deref()) == Some(FolderRole::Sent))
        .map(|f| f.id)
        .collect();
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    for r in rows {
        // The workspace's mailboxes only; one copy per mailbox of a message kept in
        // several folders (Gmail's labels).
        let Some(mb) = mailboxes.get(&r.mailbox_id) else {
            continue;
        };
        if let Some(mid) = &r.message_id
            && !seen.insert((r.mailbox_id, mid.clone()))
        {
            continue;
        }
        let direction = super::direction(sent.contains(&r.folder_id), &r.from_address, &mb.email);
        let open = readable.contains(&r.mailbox_id);
        let from = if r.from_name.is_empty() {
            r.from_address
        } else {
            format!("{} <{}>", r.from_name, r.from_address)
        };
        entries.push(TimelineEntry {
            message_id: r.id,
            at: Timestamp(r.sent_at.unwrap_or(r.received_at).timestamp()),
            direction,
            mailbox_name: mb.mailbox_name.clone(),
            readable: open,
            subject: open.then_some(r.subject),
            from: open.then_some(from),
            snippet: open.then_some(r.snippet),
            manual: manual.contains(&r.id),
        });
    }
    entries.sort_by_key(|e| std::cmp::Reverse((e.at.0, e.message_id)));
    entries.truncate(TIMELINE_LIMIT);
    Ok(entries)
}

/// Links to records `ids` of one kind.
fn of(kind: CrmKind, ids: Vec<i64>) -> Condition {
    Condition::all()
        .add(crm_link::Column::RecordKind.eq(kind.as_str()))
        .add(crm_link::Column::RecordId.is_in(ids))
}

fn unique(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}
