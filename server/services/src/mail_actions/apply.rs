//! The reader's side of an action: who may, the change in the database at once, and the
//! write-backs queued for the worker — all in one transaction.

use super::kind::{ActionState, Flag, Kind};
use crate::{
    AppState,
    accounts::Actor,
    db::retry_busy,
    entities::{mailbox_folder, message, message_action},
    error::{ServiceError, ServiceResult},
    mailboxes,
};
use chrono::Utc;
use domain::{FolderRole, MessageAction};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The most messages one action takes (a bulk selection is at most this many).
pub const MAX_MESSAGES: usize = 500;

/// Applies `action` to the messages at once and queues its write-back to the server,
/// then wakes the worker. Returns how many messages changed: none when nothing would
/// (opening a message that is already read costs two reads and no write). Every
/// message must be in a mailbox the caller may read (owner or grantee), else
/// `NotFound` and nothing changes.
pub async fn act(
    state: &AppState,
    actor: &Actor,
    message_ids: &[i64],
    action: MessageAction,
) -> ServiceResult<usize> {
    let changed = apply(&state.db, actor, message_ids, action).await?;
    if changed > 0 {
        state.action_waker.wake();
    }
    Ok(changed)
}

/// [`act`] without waking a worker (the caller wakes the one it has).
pub async fn apply(
    db: &DatabaseConnection,
    actor: &Actor,
    message_ids: &[i64],
    action: MessageAction,
) -> ServiceResult<usize> {
    apply_with(db, actor, message_ids, action, None).await
}

/// A message's place on the server: folder, UIDVALIDITY, UID.
pub(super) type Place = (i64, i64, i64);

/// An earlier write-back's UID COPY (a move without MOVE whose removal failed): the
/// message's place when it was copied, the folder the copy went to, whether the server
/// answered it (else it may or may not have gone through), and where in that folder it
/// landed (its UIDVALIDITY and UIDNEXT before the COPY).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct CopiedFrom {
    pub from: Place,
    pub to: i64,
    pub answered: bool,
    pub landing: Option<(i64, i64)>,
}

/// [`apply`]; a move of a message still at `copied_from`'s place to the same folder is
/// queued with what that copy left (`copy_sent`, and `copied` when it was answered): its
/// write-back only removes the message from there, or first looks for the copy.
pub(super) async fn apply_with(
    db: &DatabaseConnection,
    actor: &Actor,
    message_ids: &[i64],
    action: MessageAction,
    copied_from: Option<CopiedFrom>,
) -> ServiceResult<usize> {
    let ids: BTreeSet<i64> = message_ids.iter().copied().collect();
    if ids.is_empty() {
        return Ok(0);
    }
    if ids.len() > MAX_MESSAGES {
        return Err(ServiceError::invalid("messages", "at most 500 at once"));
    }
    let rows = load(db, &ids).await?;
    if rows.len() != ids.len() {
        return Err(ServiceError::NotFound);
    }
    let mailbox_ids: BTreeSet<i64> = rows.iter().map(|r| r.mailbox_id).collect();
    for id in &mailbox_ids {
        mailboxes::readable(db, actor, *id).await?;
    }
    let folders = match Kind::of(action).flag() {
        Some(_) => HashMap::new(),
        None => folders_of(db, &mailbox_ids).await?,
    };
    let planned = plan(rows, action, &folders)?;
    if planned.is_empty() {
        return Ok(0);
    }
    let n = planned.len();
    retry_busy(|| write(db, &planned, action, copied_from)).await?;
    Ok(n)
}

/// What `act` reads of a message.
#[derive(Clone, Debug, FromQueryResult)]
pub(super) struct Row {
    pub id: i64,
    pub mailbox_id: i64,
    pub folder_id: i64,
    pub uidvalidity: i64,
    pub uid: i64,
    pub subject: String,
    pub seen: bool,
    pub flagged: bool,
    pub answered: bool,
}

pub(super) async fn load(
    db: &impl ConnectionTrait,
    ids: &BTreeSet<i64>,
) -> ServiceResult<Vec<Row>> {
    Ok(message::Entity::find()
        .select_only()
        .columns([
            message::Column::Id,
            message::Column::MailboxId,
            message::Column::FolderId,
            message::Column::Uidvalidity,
            message::Column::Uid,
            message::Column::Subject,
            message::Column::Seen,
            message::Column::Flagged,
            message::Column::Answered,
        ])
        .filter(message::Column::Id.is_in(ids.iter().copied()))
        // Grouped by place, so the worker writes a folder's messages in one command.
        .order_by_asc(message::Column::FolderId)
        .order_by_asc(message::Column::Uid)
        .into_model::<Row>()
        .all(db)
        .await?)
}

async fn folders_of(
    db: &impl ConnectionTrait,
    mailbox_ids: &BTreeSet<i64>,
) -> ServiceResult<HashMap<i64, mailbox_folder::Model>> {
    Ok(mailbox_folder::Entity::find()
        .filter(mailbox_folder::Column::MailboxId.is_in(mailbox_ids.iter().copied()))
        .order_by_asc(mailbox_folder::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect())
}

/// What happens to one message.
#[derive(Clone, Debug)]
enum Change {
    Flag(Flag, bool),
    /// To this folder (its UIDVALIDITY for the placeholder, 0 when never synced).
    Move {
        target: i64,
        uidvalidity: i64,
    },
    /// Deleted for good (it is in Trash).
    Expunge,
}

#[derive(Clone, Debug)]
struct Planned {
    row: Row,
    change: Change,
}

fn role(folder: &mailbox_folder::Model) -> Option<FolderRole> {
    FolderRole::of(&folder.name, folder.special_use.as_deref())
}

/// The mailbox's first folder with this role.
fn with_role(
    folders: &HashMap<i64, mailbox_folder::Model>,
    mailbox_id: i64,
    wanted: FolderRole,
) -> Option<&mailbox_folder::Model> {
    folders
        .values()
        .filter(|f| f.mailbox_id == mailbox_id && role(f) == Some(wanted))
        .min_by_key(|f| f.id)
}

fn plan(
    rows: Vec<Row>,
    action: MessageAction,
    folders: &HashMap<i64, mailbox_folder::Model>,
) -> ServiceResult<Vec<Planned>> {
    let mut planned = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some((flag, value)) = Kind::of(action).flag() {
            let now = match flag {
                Flag::Seen => row.seen,
                Flag::Flagged => row.flagged,
                Flag::Answered => row.answered,
            };
            if now != value {
                planned.push(Planned {
                    row,
                    change: Change::Flag(flag, value),
                });
            }
            continue;
        }
        let target = match action {
            MessageAction::MarkRead
            | MessageAction::MarkUnread
            | MessageAction::Flag
            | MessageAction::Unflag
            | MessageAction::MarkAnswered => continue,
            MessageAction::MoveTo(id) => folders
                .get(&id)
                .filter(|f| f.mailbox_id == row.mailbox_id)
                .ok_or(ServiceError::invalid(
                    "folder",
                    "not a folder of the message's mailbox",
                ))?,
            MessageAction::Archive => {
                with_role(folders, row.mailbox_id, FolderRole::Archive).ok_or(
                    ServiceError::invalid("folder", "this mailbox has no Archive folder"),
                )?
            }
            MessageAction::Delete => {
                let here = folders.get(&row.folder_id);
                if here.and_then(role) == Some(FolderRole::Trash) {
                    planned.push(Planned {
                        row,
                        change: Change::Expunge,
                    });
                    continue;
                }
                with_role(folders, row.mailbox_id, FolderRole::Trash).ok_or(
                    ServiceError::invalid("folder", "this mailbox has no Trash folder"),
                )?
            }
        };
        if target.id != row.folder_id {
            planned.push(Planned {
                row,
                change: Change::Move {
                    target: target.id,
                    uidvalidity: target.uidvalidity.unwrap_or(0),
                },
            });
        }
    }
    Ok(planned)
}

async fn write(
    db: &DatabaseConnection,
    planned: &[Planned],
    action: MessageAction,
    copied_from: Option<CopiedFrom>,
) -> ServiceResult<()> {
    let txn = db.begin().await?;
    let mut flags: BTreeMap<(Flag, bool), Vec<i64>> = BTreeMap::new();
    let mut moves: BTreeMap<(i64, i64), Vec<i64>> = BTreeMap::new();
    let mut expunged = Vec::new();
    for p in planned {
        match p.change {
            Change::Flag(flag, value) => flags.entry((flag, value)).or_default().push(p.row.id),
            Change::Move {
                target,
                uidvalidity,
            } => moves
                .entry((target, uidvalidity))
                .or_default()
                .push(p.row.id),
            Change::Expunge => expunged.push(p.row.id),
        }
    }
    for ((flag, value), ids) in flags {
        message::Entity::update_many()
            .col_expr(flag.column(), Expr::value(value))
            .filter(message::Column::Id.is_in(ids))
            .exec(&txn)
            .await?;
    }
    for ((target, uidvalidity), ids) in moves {
        // Minus its id: no server UID is negative, so it collides with nothing, and the
        // worker (or, failing that, the target folder's sync) replaces it.
        message::Entity::update_many()
            .col_expr(message::Column::FolderId, Expr::value(target))
            .col_expr(message::Column::Uidvalidity, Expr::value(uidvalidity))
            .col_expr(message::Column::Uid, Expr::col(message::Column::Id).mul(-1))
            .filter(message::Column::Id.is_in(ids))
            .exec(&txn)
            .await?;
    }
    let now = Utc::now();
    let kind = Kind::of(action);
    let queued = planned.iter().map(|p| {
        let target = match p.change {
            Change::Move { target, .. } => Some(target),
            Change::Flag(..) | Change::Expunge => None,
        };
        let place = (p.row.folder_id, p.row.uidvalidity, p.row.uid);
        let earlier = copied_from.filter(|c| c.from == place && target == Some(c.to));
        message_action::ActiveModel {
            mailbox_id: Set(p.row.mailbox_id),
            message_id: Set(Some(p.row.id)),
            folder_id: Set(p.row.folder_id),
            uidvalidity: Set(p.row.uidvalidity),
            uid: Set(p.row.uid),
            kind: Set(kind),
            target_folder_id: Set(target),
            subject: Set(p.row.subject.clone()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            state: Set(ActionState::Pending),
            last_error: Set(None),
            lease_owner: Set(None),
            lease_until: Set(None),
            created_at: Set(now),
            failed_at: Set(None),
            copied: Set(earlier.is_some_and(|c| c.answered)),
            copy_sent: Set(earlier.is_some()),
            copy_uidvalidity: Set(earlier.and_then(|c| c.landing).map(|l| l.0)),
            copy_uidnext: Set(earlier.and_then(|c| c.landing).map(|l| l.1)),
            ..Default::default()
        }
    });
    message_action::Entity::insert_many(queued)
        .exec(&txn)
        .await?;
    if !expunged.is_empty() {
        message::Entity::delete_many()
            .filter(message::Column::Id.is_in(expunged))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}
