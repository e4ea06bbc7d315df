use crate::{
    accounts::Actor,
    entities::{mailbox_folder, message},
    error::{ServiceError, ServiceResult},
    mailboxes::{readable, readable_ids, readable_subquery},
    sync::store::BodyState,
};
use domain::{FolderRole, ListCursor, MailScope, MessageList, MessageRow};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Select,
    sea_query::{Expr, ExprTrait, Func},
};

/// One page of a list, newest first, after `before` (keyset: the cost of a page does not
/// depend on how deep it is). A folder, or **All inboxes** (every readable mailbox's INBOX).
pub async fn message_list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    scope: MailScope,
    before: Option<ListCursor>,
) -> ServiceResult<MessageList> {
    let (folders, title, role) = match scope {
        MailScope::Folder { mailbox, folder } => {
            let f = folder_of(db, actor, mailbox, folder).await?;
            let role = FolderRole::of(&f.name, f.special_use.as_deref());
            (vec![(f.id, f.in_range)], f.display_name, role)
        }
        MailScope::Mailbox(mailbox) => {
            let inbox = inboxes(db, &[readable(db, actor, mailbox).await?.id]).await?;
            (inbox, String::new(), Some(FolderRole::Inbox))
        }
        MailScope::All => {
            let ids = readable_ids(db, actor).await?;
            (
                inboxes(db, &ids).await?,
                String::new(),
                Some(FolderRole::Inbox),
            )
        }
    };
    let size = MessageList::PAGE_SIZE;
    // Each folder's page walks its own (folder, received_at, id) index; the pages are
    // then merged, so N inboxes cost N short index walks, never a sort of all their mail.
    let mut rows = Vec::new();
    let sizes: Vec<i32> = folders.iter().map(|&(_, n)| n).collect();
    for &(folder, _) in &folders {
        let page = keyset(list_columns(message::Entity::find()), before)
            .filter(message::Column::FolderId.eq(folder))
            .order_by_desc(message::Column::ReceivedAt)
            .order_by_desc(message::Column::Id)
            .limit(size + 1)
            .into_model::<ListedMessage>()
            .all(db)
            .await?;
        rows.extend(page.into_iter().map(row));
    }
    rows.sort_by_key(|m| std::cmp::Reverse((m.received_at, m.id)));
    let limit = usize::try_from(size).unwrap_or(usize::MAX);
    let older = (rows.len() > limit).then(|| {
        rows.truncate(limit);
        rows.last().map(|m| ListCursor {
            received_at: m.received_at,
            id: m.id,
        })
    });
    // The size the last sync saw on the server (no count of the rows: a count is a scan).
    let total = match before {
        None => Some(sizes.iter().map(|&n| u64::try_from(n).unwrap_or(0)).sum()),
        Some(_) => None,
    };
    Ok(MessageList {
        scope,
        title,
        role,
        total,
        messages: rows,
        older: older.flatten(),
        query: None,
        more: false,
        unindexed: 0,
    })
}

/// A folder of a mailbox the caller may read (`NotFound` otherwise), in one statement
/// with the access check.
pub(crate) async fn folder_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    mailbox: i64,
    folder: i64,
) -> ServiceResult<mailbox_folder::Model> {
    mailbox_folder::Entity::find_by_id(folder)
        .filter(mailbox_folder::Column::MailboxId.eq(mailbox))
        .filter(mailbox_folder::Column::MailboxId.in_subquery(readable_subquery(actor)))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// The INBOX folders of these mailboxes, with their sizes on the server.
async fn inboxes(db: &impl ConnectionTrait, mailboxes: &[i64]) -> ServiceResult<Vec<(i64, i32)>> {
    if mailboxes.is_empty() {
        return Ok(Vec::new());
    }
    Ok(mailbox_folder::Entity::find()
        .filter(mailbox_folder::Column::MailboxId.is_in(mailboxes.to_vec()))
        .filter(ExprTrait::eq(
            Func::upper(Expr::col(mailbox_folder::Column::Name)),
            "INBOX",
        ))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f.in_range))
        .collect())
}

/// Rows strictly older than the cursor in (received_at, id) order.
pub(crate) fn keyset(
    select: Select<message::Entity>,
    before: Option<ListCursor>,
) -> Select<message::Entity> {
    let Some(cursor) = before else {
        return select;
    };
    let at = chrono::DateTime::from_timestamp(cursor.received_at.0, 0).unwrap_or_default();
    // One row-value comparison, `(received_at, id) < (?, ?)`: both databases read it as a
    // range of the (folder_id, received_at, id) index (an OR of two conditions is not).
    select.filter(
        Expr::tuple([
            Expr::col(message::Column::ReceivedAt),
            Expr::col(message::Column::Id),
        ])
        .lt(Expr::tuple([Expr::value(at), Expr::value(cursor.id)])),
    )
}

/// Selects only what a list line shows (never the text and HTML bodies), read back as
/// [`ListedMessage`] and turned into a [`MessageRow`] with [`row`].
pub(crate) fn list_columns(select: Select<message::Entity>) -> Select<message::Entity> {
    select
        .select_only()
        .columns([
            message::Column::Id,
            message::Column::MailboxId,
            message::Column::FolderId,
            message::Column::FromName,
            message::Column::FromAddress,
            message::Column::Subject,
            message::Column::Snippet,
            message::Column::ReceivedAt,
            message::Column::Seen,
            message::Column::Flagged,
            message::Column::BodyState,
        ])
        .column_as(
            ExprTrait::ne(Expr::col(message::Column::Attachments), "[]"),
            "has_attachments",
        )
}

/// The columns of one row of the message list.
#[derive(FromQueryResult)]
pub(crate) struct ListedMessage {
    id: i64,
    mailbox_id: i64,
    folder_id: i64,
    from_name: String,
    from_address: String,
    subject: String,
    snippet: String,
    received_at: chrono::DateTime<chrono::Utc>,
    seen: bool,
    flagged: bool,
    body_state: BodyState,
    has_attachments: bool,
}

pub(crate) fn row(m: ListedMessage) -> MessageRow {
    MessageRow {
        id: m.id,
        mailbox_id: m.mailbox_id,
        folder_id: m.folder_id,
        from_name: m.from_name,
        from_address: m.from_address,
        subject: m.subject,
        snippet: m.snippet,
        received_at: domain::Timestamp(m.received_at.timestamp()),
        seen: m.seen,
        flagged: m.flagged,
        has_attachments: m.has_attachments,
        too_large: m.body_state == BodyState::TooLarge,
        over_quota: m.body_state == BodyState::OverQuota,
    }
}
