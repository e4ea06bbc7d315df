use crate::{
    accounts::Actor,
    entities::{mailbox_folder, message},
    error::{ServiceError, ServiceResult},
    mailboxes::readable_subquery,
    sync::{parse::Person as StoredPerson, store::BodyState},
};
use domain::{
    AttachmentView, Conversation, FolderNode, FolderRole, MessageView, Person, Timestamp,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{HashMap, HashSet};

/// Messages of one conversation shown at most (the newest ones).
const THREAD_LIMIT: usize = 100;
/// Rows of one thread read at most.
const THREAD_SCAN: u64 = 2_000;

/// A message the caller may read (`NotFound` for anyone else, as if it did not exist),
/// in one statement with the access check.
pub async fn readable_message(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<message::Model> {
    message::Entity::find_by_id(id)
        .filter(message::Column::MailboxId.in_subquery(readable_subquery(actor)))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// The conversation of message `id`: every message of its thread in the same mailbox,
/// across folders (Sent included), oldest first. A copy of one message in several folders
/// (Gmail's All Mail) is shown once, from the folder that is not All Mail.
pub async fn conversation(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Conversation> {
    let opened = readable_message(db, actor, id).await?;
    // Equality on (mailbox_id, thread_id) and no ORDER BY: the planner walks the thread
    // index whatever its statistics say (ordered by date, SQLite without ANALYZE walked
    // the whole mailbox by date). A thread past the scan bound is cut, newest kept below.
    let mut rows = message::Entity::find()
        .filter(message::Column::MailboxId.eq(opened.mailbox_id))
        .filter(message::Column::ThreadId.eq(opened.thread_id.clone()))
        .limit(THREAD_SCAN)
        .all(db)
        .await?;
    rows.sort_by_key(|m| std::cmp::Reverse((m.received_at, m.id)));
    rows.truncate(THREAD_LIMIT);
    if !rows.iter().any(|m| m.id == opened.id) {
        rows.push(opened.clone());
    }
    let folders: HashMap<i64, mailbox_folder::Model> = mailbox_folder::Entity::find()
        .filter(mailbox_folder::Column::MailboxId.eq(opened.mailbox_id))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    let role = |m: &message::Model| {
        folders
            .get(&m.folder_id)
            .and_then(|f| FolderRole::of(&f.name, f.special_use.as_deref()))
    };
    // All Mail copies last, so the first copy of each Message-ID kept is the real folder's.
    rows.sort_by_key(|m| (m.id != opened.id, role(m) == Some(FolderRole::All)));
    let mut seen_ids = HashSet::new();
    rows.retain(|m| match &m.message_id {
        Some(mid) => seen_ids.insert(mid.clone()),
        None => true,
    });
    rows.sort_by_key(|m| (m.sent_at.unwrap_or(m.received_at), m.id));
    let subject = opened.subject.clone();
    let mut allowed = HashMap::new();
    for m in rows.iter().filter(|m| m.html_body.is_some()) {
        if !allowed.contains_key(&m.from_address) {
            let yes = crate::reading::images::sender_allowed(db, actor, &m.from_address).await?;
            allowed.insert(m.from_address.clone(), yes);
        }
    }
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let crm_on = crate::crm::links::mailbox_links_on(db, opened.mailbox_id).await?;
    let mut crm = crate::crm::links::links_of(db, actor.workspace_id, &ids).await?;
    let messages = rows
        .into_iter()
        .map(|m| {
            let crm_links = crm.remove(&m.id).unwrap_or_default();
            let folder = folders.get(&m.folder_id);
            let images_allowed = allowed.get(&m.from_address).copied().unwrap_or(false);
            let mut v = view(
                m,
                folder.map(|f| f.display_name.clone()).unwrap_or_default(),
                folder.and_then(|f| FolderRole::of(&f.name, f.special_use.as_deref())),
            );
            v.images_allowed = images_allowed;
            (v.crm_links_on, v.crm_links) = (crm_on, crm_links);
            v
        })
        .collect();
    let mut targets: Vec<&mailbox_folder::Model> =
        folders.values().filter(|f| f.selected).collect();
    targets.sort_by_key(|f| f.id);
    let folders = targets
        .into_iter()
        .map(|f| FolderNode {
            id: f.id,
            name: f.display_name.clone(),
            role: FolderRole::of(&f.name, f.special_use.as_deref()),
            depth: f.depth,
            unread: 0,
        })
        .collect();
    Ok(Conversation {
        subject,
        messages,
        opened: opened.id,
        folders,
    })
}

fn view(m: message::Model, folder_name: String, folder_role: Option<FolderRole>) -> MessageView {
    let text = m
        .text_body
        .as_deref()
        .map(crate::mail::quotes::blocks)
        .unwrap_or_default();
    MessageView {
        id: m.id,
        mailbox_id: m.mailbox_id,
        folder_id: m.folder_id,
        folder_name,
        folder_role,
        subject: m.subject,
        from: Person {
            name: m.from_name,
            address: m.from_address,
        },
        to: people(m.to_list.0),
        cc: people(m.cc_list.0),
        reply_to: people(m.reply_to.0),
        sent_at: m.sent_at.map(|t| Timestamp(t.timestamp())),
        received_at: Timestamp(m.received_at.timestamp()),
        seen: m.seen,
        flagged: m.flagged,
        text,
        has_html: m.html_body.as_deref().is_some_and(|h| !h.trim().is_empty()),
        images_allowed: false,
        attachments: m
            .attachments
            .0
            .into_iter()
            .enumerate()
            .map(|(index, a)| AttachmentView {
                index,
                name: a.name,
                content_type: a.content_type,
                size: a.size,
            })
            .collect(),
        too_large: m.body_state == BodyState::TooLarge,
        over_quota: m.body_state == BodyState::OverQuota,
        // A Re-sync from date's pending row still shows its old text: nothing to wait for.
        pending: m.body_state == BodyState::Pending
            && m.text_body.is_none()
            && m.html_body.is_none(),
        crm_links_on: false,
        crm_links: Vec::new(),
    }
}

fn people(list: Vec<StoredPerson>) -> Vec<Person> {
    list.into_iter()
        .map(|p| Person {
            name: p.name,
            address: p.address,
        })
        .collect()
}
