use crate::{accounts::Actor, entities::mailbox_folder, error::ServiceResult, mailboxes::readable};
use domain::{FolderProgress, SyncProgress, Timestamp};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// A mailbox's sync state and each selected folder's progress.
pub async fn sync_progress(
    db: &impl ConnectionTrait,
    actor: &Actor,
    mailbox_id: i64,
) -> ServiceResult<SyncProgress> {
    let row = readable(db, actor, mailbox_id).await?;
    let folders = mailbox_folder::Entity::find()
        .filter(mailbox_folder::Column::MailboxId.eq(mailbox_id))
        .filter(mailbox_folder::Column::Selected.eq(true))
        .order_by_asc(mailbox_folder::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|f| FolderProgress {
            id: f.id,
            name: f.display_name,
            phase: f.phase,
            in_range: f.in_range,
            headers_done: f.headers_done,
            bodies_done: f.bodies_done,
            last_error: f.last_error,
        })
        .collect();
    Ok(SyncProgress {
        mailbox_id,
        name: row.mailbox_name,
        email: row.email,
        status: row.status,
        last_sync_at: row.last_sync_at.map(|t| Timestamp(t.timestamp())),
        next_sync_at: row.next_sync_at.map(|t| Timestamp(t.timestamp())),
        last_error: row.last_error,
        quota_reached: crate::sync::store::quota_reached(db, mailbox_id).await?,
        folders,
    })
}
