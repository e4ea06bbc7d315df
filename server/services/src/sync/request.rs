//! Runs a user asks for: **Sync now** and **Re-sync from date**. Each is one conditional
//! UPDATE (with Re-sync's bodies sent back to pending in its transaction), so it holds
//! across server processes: at most one request per mailbox per cooldown (each run logs
//! in to the provider, and a burst of logins can get an account throttled or locked), and
//! never for a mailbox whose password the server refused — only a new password resumes
//! that one.

use crate::{
    db::retry_busy,
    entities::mailbox,
    error::{ServiceError, ServiceResult},
    sync::store,
};
use chrono::{DateTime, Utc};
use domain::MailboxStatus;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
    sea_query::Expr,
};
use std::time::Duration;

/// The shortest time between two requested runs of one mailbox.
pub const COOLDOWN: Duration = Duration::from_secs(30);

/// Makes the mailbox due at `now` (and, for Re-sync from date, records `resync_from`),
/// unless it was asked for less than `cooldown` ago or needs a new password.
pub async fn request_run(
    db: &DatabaseConnection,
    mailbox_id: i64,
    resync_from: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    cooldown: Duration,
) -> ServiceResult<()> {
    let cooldown = chrono::Duration::from_std(cooldown).unwrap_or(chrono::Duration::zero());
    if retry_busy(|| ask(db, mailbox_id, resync_from, now, cooldown)).await? {
        return Ok(());
    }
    // Refused: say why.
    let row = mailbox::Entity::find_by_id(mailbox_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if row.status == MailboxStatus::NeedsReconnect {
        return Err(needs_owner(&row));
    }
    let left = row
        .sync_requested_at
        .map_or(chrono::Duration::zero(), |at| at + cooldown - now);
    Err(ServiceError::SyncCooldown {
        retry_after: left
            .to_std()
            .unwrap_or_default()
            .max(Duration::from_secs(1)),
    })
}

/// The conditional update in one transaction with, for Re-sync from date, the bodies
/// received since then sent back to pending: once per request, not once per run, so a
/// refetch that a failed run cut short goes on where it stopped instead of starting over
/// (and is counted once against the quota). True when the request was taken.
async fn ask(
    db: &DatabaseConnection,
    mailbox_id: i64,
    resync_from: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    cooldown: chrono::Duration,
) -> ServiceResult<bool> {
    let mut update = mailbox::Entity::update_many()
        .col_expr(mailbox::Column::NextSyncAt, Expr::value(now))
        .col_expr(mailbox::Column::SyncRequestedAt, Expr::value(now));
    if let Some(from) = resync_from {
        update = update.col_expr(mailbox::Column::ResyncFrom, Expr::value(from));
    }
    let txn = db.begin().await?;
    let done = update
        .filter(mailbox::Column::Id.eq(mailbox_id))
        .filter(mailbox::Column::Status.ne(MailboxStatus::NeedsReconnect.as_str()))
        .filter(
            Condition::any()
                .add(mailbox::Column::SyncRequestedAt.is_null())
                .add(mailbox::Column::SyncRequestedAt.lte(now - cooldown)),
        )
        .exec(&txn)
        .await?;
    let taken = done.rows_affected == 1;
    if taken && let Some(from) = resync_from {
        store::refetch_since(&txn, mailbox_id, from).await?;
    }
    txn.commit().await?;
    Ok(taken)
}

/// What a mailbox that stopped on a refused login needs from its owner: a new password,
/// or (signed in with Microsoft or Google) **Reconnect**.
pub(crate) fn needs_owner(row: &mailbox::Model) -> ServiceError {
    match row.auth {
        domain::AuthMethod::Password => ServiceError::NeedsNewPassword,
        domain::AuthMethod::OAuth2 => ServiceError::NeedsReconnect,
    }
}
