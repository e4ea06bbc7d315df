use crate::{
    accounts::Actor,
    entities::{mailbox_folder, message},
    error::{ServiceError, ServiceResult},
    mailboxes::readable,
    sync::store::BodyState,
};
use domain::{MessagePage, MessageRow};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, sea_query::Expr,
};

/// One page (1-based) of a folder's messages, newest first.
pub async fn message_page(
    db: &impl ConnectionTrait,
    actor: &Actor,
    mailbox_id: i64,
    folder_id: i64,
    page: u32,
) -> ServiceResult<MessagePage> {
    readable(db, actor, mailbox_id).await?;
    let folder = mailbox_folder::Entity::find_by_id(folder_id)
        .filter(mailbox_folder::Column::MailboxId.eq(mailbox_id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let size = MessagePage::PAGE_SIZE;
    let total = message::Entity::find()
        .filter(message::Column::FolderId.eq(folder_id))
        .count(db)
        .await?;
    let pages = u32::try_from(total.div_ceil(size))
        .unwrap_or(u32::MAX)
        .max(1);
    let page = page.clamp(1, pages);
    // Only what the list shows: never the text and HTML bodies.
    let rows = list_columns(message::Entity::find())
        .filter(message::Column::FolderId.eq(folder_id))
        .order_by_desc(message::Column::ReceivedAt)
        .order_by_desc(message::Column::Uid)
        .offset(u64::from(page - 1) * size)
        .limit(size)
        .into_model::<ListedMessage>()
        .all(db)
        .await?;
    Ok(MessagePage {
        mailbox_id,
        folder_id,
        folder_name: folder.display_name,
        page,
        pages,
        total,
        messages: rows.into_iter().map(row).collect(),
    })
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
            sea_orm::sea_query::ExprTrait::ne(Expr::col(message::Column::Attachments), "[]"),
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
