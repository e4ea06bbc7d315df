//! Copies of drafts in the mailbox's own Drafts folder, so what is being written is also
//! on the server (another client, another device, this app's database lost). A few
//! seconds after the last save the draft is appended there (`\Draft \Seen`, with its Bcc),
//! then every older copy with its Message-ID is removed; when it is sent or discarded, its
//! copies go. Best effort: a failure is logged and tried again on the next pass, and the
//! draft in the app's database stays the one that counts.

use super::outgoing::{self, folder_with_role};
use crate::{
    entities::{draft, mailbox, mailbox_folder},
    error::ServiceResult,
    mail_actions::imap::{self, Caps, expunge, select},
    sync::{SyncEngine, SyncError, fetch::ImapSession, fetch::uid_search, run::log_out_later},
};
use chrono::{DateTime, Utc};
use domain::{FolderRole, SendState};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};
use std::time::Duration;

/// Drafts handled in one pass.
const PASS_DRAFTS: u64 = 20;
/// Bound on each IMAP command.
const COMMAND_LIMIT: Duration = Duration::from_secs(60);

fn editable() -> [&'static str; 3] {
    [
        SendState::Editing.as_str(),
        SendState::Failed.as_str(),
        SendState::Unconfirmed.as_str(),
    ]
}

/// What needs the server: drafts saved at least `quiet` ago whose copy is stale, and
/// sent or discarded drafts that still have one (or, discarded, only need deleting).
fn needs_pass(quiet_since: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(draft::Column::ServerDirty.eq(true))
                .add(draft::Column::State.is_in(editable()))
                .add(draft::Column::UpdatedAt.lte(quiet_since)),
        )
        .add(
            Condition::all()
                .add(draft::Column::State.eq(SendState::Sent.as_str()))
                .add(draft::Column::ServerUid.is_not_null()),
        )
        .add(draft::Column::State.eq(SendState::Discarded.as_str()))
}

/// When the next pass has work, if any is waiting.
pub(super) async fn next_due(
    db: &impl ConnectionTrait,
    quiet: Duration,
) -> ServiceResult<Option<DateTime<Utc>>> {
    let quiet = chrono::Duration::from_std(quiet).unwrap_or_default();
    let far = Utc::now() + chrono::Duration::days(365);
    let first: Option<DateTime<Utc>> = draft::Entity::find()
        .select_only()
        .column(draft::Column::UpdatedAt)
        .filter(needs_pass(far))
        .order_by_asc(draft::Column::UpdatedAt)
        .into_tuple()
        .one(db)
        .await?;
    Ok(first.map(|at| at + quiet))
}

/// One pass over the drafts that need the server; how many could not be done.
pub(super) async fn pass(engine: &SyncEngine, quiet: Duration) -> ServiceResult<usize> {
    let quiet = chrono::Duration::from_std(quiet).unwrap_or_default();
    let rows = draft::Entity::find()
        .filter(needs_pass(Utc::now() - quiet))
        .order_by_asc(draft::Column::UpdatedAt)
        .limit(PASS_DRAFTS)
        .all(&engine.db)
        .await?;
    let mut failed = 0;
    for row in rows {
        if row.state == SendState::Discarded && row.server_uid.is_none() {
            draft::Entity::delete_by_id(row.id).exec(&engine.db).await?;
            continue;
        }
        if let Err(err) = one(engine, &row).await {
            failed += 1;
            tracing::info!(draft = row.id, %err, "server Drafts copy: not done this pass");
        }
    }
    Ok(failed)
}

async fn one(engine: &SyncEngine, row: &draft::Model) -> Result<(), SyncError> {
    let db = &engine.db;
    let storage = |e: sea_orm::DbErr| SyncError::Imap(e.to_string());
    let Some(mailbox) = mailbox::Entity::find_by_id(row.mailbox_id)
        .one(db)
        .await
        .map_err(storage)?
    else {
        return Ok(());
    };
    let Some(folder) = folder_with_role(db, mailbox.id, FolderRole::Drafts)
        .await
        .map_err(storage)?
    else {
        // No Drafts folder: nothing to keep on the server.
        return forget(db, row).await.map_err(storage);
    };
    let (mut session, offers) = imap::log_in(engine, &mailbox).await?;
    let result = copy(engine, &mut session, offers, &mailbox, &folder, row).await;
    log_out_later(session);
    result
}

async fn copy(
    engine: &SyncEngine,
    session: &mut ImapSession,
    offers: Caps,
    mailbox: &mailbox::Model,
    folder: &mailbox_folder::Model,
    row: &draft::Model,
) -> Result<(), SyncError> {
    let db = &engine.db;
    let storage = |e: sea_orm::DbErr| SyncError::Imap(e.to_string());
    let keep = row.state != SendState::Sent && row.state != SendState::Discarded;
    if keep {
        let raw = outgoing::draft_copy(db, mailbox, row)
            .await
            .map_err(SyncError::Imap)?;
        tokio::time::timeout(
            COMMAND_LIMIT,
            session.append(&folder.name, Some("(\\Draft \\Seen)"), None, &raw),
        )
        .await
        .map_err(|_| SyncError::Timeout)??;
    }
    select(session, &folder.name, COMMAND_LIMIT).await?;
    let query = format!("HEADER Message-ID \"<{}>\"", row.message_id);
    let mut uids = tokio::time::timeout(COMMAND_LIMIT, uid_search(session, &query))
        .await
        .map_err(|_| SyncError::Timeout)??;
    uids.sort_unstable();
    let newest = if keep { uids.pop() } else { None };
    if !uids.is_empty() {
        expunge(session, offers, &uids, COMMAND_LIMIT).await?;
    }
    if row.state == SendState::Discarded {
        draft::Entity::delete_by_id(row.id)
            .exec(db)
            .await
            .map_err(storage)?;
        return Ok(());
    }
    // A save during the append leaves the draft dirty for the next pass.
    draft::Entity::update_many()
        .col_expr(draft::Column::ServerUid, Expr::value(newest))
        .filter(draft::Column::Id.eq(row.id))
        .exec(db)
        .await
        .map_err(storage)?;
    draft::Entity::update_many()
        .col_expr(draft::Column::ServerDirty, Expr::value(false))
        .filter(draft::Column::Id.eq(row.id))
        .filter(draft::Column::Revision.eq(row.revision))
        .exec(db)
        .await
        .map_err(storage)?;
    Ok(())
}

/// Nothing on the server to keep in step with.
async fn forget(db: &impl ConnectionTrait, row: &draft::Model) -> Result<(), sea_orm::DbErr> {
    if row.state == SendState::Discarded {
        draft::Entity::delete_by_id(row.id).exec(db).await?;
        return Ok(());
    }
    draft::Entity::update_many()
        .col_expr(draft::Column::ServerDirty, Expr::value(false))
        .col_expr(draft::Column::ServerUid, Expr::value(Option::<i64>::None))
        .filter(draft::Column::Id.eq(row.id))
        .filter(draft::Column::Revision.eq(row.revision))
        .exec(db)
        .await?;
    Ok(())
}
