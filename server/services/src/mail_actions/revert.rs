//! The database after a write-back: a moved row takes its copy's real UID, a written
//! flag is set again (a sync may have read the server before the write), and a failed
//! action is undone so the app shows what the server has.

use super::{
    imap::Copied,
    kind::{ActionState, Flag},
    queue::{self, delete, update},
};
use crate::{
    entities::{
        mailbox_folder, message,
        message_action::{self, Model as Action},
    },
    error::ServiceResult,
};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, Query},
};

/// A place on the server: folder, UIDVALIDITY, UID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Place {
    folder_id: i64,
    uidvalidity: i64,
    uid: i64,
}

/// The row a move left at its placeholder in the target folder: (folder, UID).
fn placeholder(action: &Action) -> Option<(i64, i64)> {
    Some((action.target_folder_id?, -action.message_id?))
}

/// A move reached the server. The row at its placeholder takes the copy's UID (keeping
/// its id and body), or leaves when the target folder is not synced; write-backs queued
/// against the placeholder follow it. Without COPYUID the placeholder stays for the
/// target's next sync, which replaces it by the copy.
pub async fn moved(
    db: &DatabaseConnection,
    action: &Action,
    copied: Option<&Copied>,
    target_synced: bool,
) -> ServiceResult<()> {
    let Some((folder_id, uid)) = placeholder(action) else {
        return Ok(());
    };
    let copy = copied.and_then(|c| {
        c.uids.get(&action.uid).map(|new| Place {
            folder_id,
            uidvalidity: c.uidvalidity,
            uid: *new,
        })
    });
    if !target_synced {
        drop_row(db, folder_id, uid).await?;
    } else if let Some(place) = copy {
        relocate(db, folder_id, uid, place).await?;
    }
    if let Some(place) = copy {
        follow(db, folder_id, uid, place).await?;
    }
    Ok(())
}

/// Flags just written are set on the rows again, unless another write-back of the
/// message is still pending (the reader changed it since).
pub async fn rewrite_flags(
    db: &DatabaseConnection,
    done: &[Action],
    flag: Flag,
    value: bool,
) -> ServiceResult<()> {
    let Some(first) = done.first() else {
        return Ok(());
    };
    let later = Query::select()
        .column(message_action::Column::MessageId)
        .from(message_action::Entity)
        .and_where(Expr::col(message_action::Column::MailboxId).eq(first.mailbox_id))
        .and_where(Expr::col(message_action::Column::State).eq(ActionState::Pending.as_str()))
        .and_where(Expr::col(message_action::Column::MessageId).is_not_null())
        .to_owned();
    let again = message::Entity::update_many()
        .col_expr(flag.column(), Expr::value(value))
        .filter(message::Column::Id.is_in(done.iter().filter_map(|a| a.message_id)))
        .filter(message::Column::FolderId.eq(first.folder_id))
        .filter(flag.column().ne(value))
        .filter(message::Column::Id.not_in_subquery(later));
    update(db, again).await?;
    Ok(())
}

/// Undoes a failed action's change: a flag back, a moved row back to where it is on the
/// server (write-backs queued against its placeholder follow it). The folder's next sync
/// compares every flag and UID again (its mod-sequence is forgotten), so what could not
/// be undone here — a row deleted for good — comes back from the server.
pub async fn undo(db: &DatabaseConnection, action: &Action) -> ServiceResult<()> {
    if let Some((flag, value)) = action.kind.flag()
        && let Some(id) = action.message_id
    {
        let back = message::Entity::update_many()
            .col_expr(flag.column(), Expr::value(!value))
            .filter(message::Column::Id.eq(id))
            .filter(flag.column().eq(value));
        update(db, back).await?;
    } else if queue::moves(action)
        && let Some((folder_id, uid)) = placeholder(action)
        && action.uid > 0
    {
        let home = Place {
            folder_id: action.folder_id,
            uidvalidity: action.uidvalidity,
            uid: action.uid,
        };
        relocate(db, folder_id, uid, home).await?;
        follow(db, folder_id, uid, home).await?;
    }
    let forget = mailbox_folder::Entity::update_many()
        .col_expr(
            mailbox_folder::Column::HighestModseq,
            Expr::value(Option::<i64>::None),
        )
        .filter(mailbox_folder::Column::Id.eq(action.folder_id));
    update(db, forget).await?;
    Ok(())
}

/// Moves the row at (folder, placeholder) to `place`; when a row is already there (a
/// sync fetched the copy first), the placeholder goes instead.
async fn relocate(
    db: &DatabaseConnection,
    folder_id: i64,
    uid: i64,
    place: Place,
) -> ServiceResult<()> {
    let taken = message::Entity::find()
        .filter(message::Column::FolderId.eq(place.folder_id))
        .filter(message::Column::Uidvalidity.eq(place.uidvalidity))
        .filter(message::Column::Uid.eq(place.uid))
        .count(db)
        .await?
        > 0;
    if !taken {
        let there = message::Entity::update_many()
            .col_expr(message::Column::FolderId, Expr::value(place.folder_id))
            .col_expr(message::Column::Uidvalidity, Expr::value(place.uidvalidity))
            .col_expr(message::Column::Uid, Expr::value(place.uid))
            .filter(message::Column::FolderId.eq(folder_id))
            .filter(message::Column::Uid.eq(uid));
        // Taken meanwhile (a sync stored the copy): keep the row that is there.
        if update(db, there).await.is_ok() {
            return Ok(());
        }
    }
    drop_row(db, folder_id, uid).await
}

async fn drop_row(db: &DatabaseConnection, folder_id: i64, uid: i64) -> ServiceResult<()> {
    let gone = message::Entity::delete_many()
        .filter(message::Column::FolderId.eq(folder_id))
        .filter(message::Column::Uid.eq(uid));
    delete(db, gone).await?;
    Ok(())
}

/// Write-backs queued against the placeholder now address `place`.
async fn follow(
    db: &DatabaseConnection,
    folder_id: i64,
    uid: i64,
    place: Place,
) -> ServiceResult<()> {
    let readdressed = message_action::Entity::update_many()
        .col_expr(
            message_action::Column::FolderId,
            Expr::value(place.folder_id),
        )
        .col_expr(
            message_action::Column::Uidvalidity,
            Expr::value(place.uidvalidity),
        )
        .col_expr(message_action::Column::Uid, Expr::value(place.uid))
        .filter(message_action::Column::FolderId.eq(folder_id))
        .filter(message_action::Column::Uid.eq(uid));
    update(db, readdressed).await?;
    Ok(())
}
