//! The per-user mailbox limit counts mailboxes the user connected and shared mailboxes
//! the user was granted (SPEC § Plans: 2 personal + 1 shared = 3).
//!
//! A count and the insert it allows must not interleave with another's: under PostgreSQL's
//! READ COMMITTED two transactions would both count 0 and both insert. Every write that
//! adds to a user's count therefore runs in `begin_write` and first takes `lock_users`.

use crate::{
    entities::{mailbox, mailbox_grant, user},
    error::{ServiceError, ServiceResult},
};
use domain::{Access, Plan};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationDef, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

/// A transaction that will write. On SQLite it starts as the writer (`BEGIN IMMEDIATE`):
/// SQLite has one writer at a time, so what it counts cannot change before it commits
/// (a deferred one could read first and fail to upgrade). PostgreSQL ignores the mode.
pub(super) async fn begin_write(db: &DatabaseConnection) -> ServiceResult<DatabaseTransaction> {
    Ok(db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?)
}

/// Locks the users' rows until the transaction ends (`SELECT … FOR UPDATE` on PostgreSQL;
/// on SQLite the immediate transaction already excludes other writers). Always in id
/// order, so two transactions locking the same users cannot deadlock.
pub(super) async fn lock_users(
    txn: &DatabaseTransaction,
    mut user_ids: Vec<i64>,
) -> ServiceResult<()> {
    user_ids.sort_unstable();
    user_ids.dedup();
    if user_ids.is_empty() {
        return Ok(());
    }
    user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Id.is_in(user_ids))
        .order_by_asc(user::Column::Id)
        .lock_exclusive()
        .into_tuple::<i64>()
        .all(txn)
        .await?;
    Ok(())
}

pub async fn mailbox_count(db: &impl ConnectionTrait, user_id: i64) -> ServiceResult<u64> {
    let owned = mailbox::Entity::find()
        .filter(mailbox::Column::OwnerId.eq(user_id))
        .count(db)
        .await?;
    let granted = mailbox_grant::Entity::find()
        .join(JoinType::InnerJoin, grant_to_mailbox())
        .filter(mailbox_grant::Column::UserId.eq(user_id))
        .filter(mailbox::Column::Access.eq(Access::Shared.as_str()))
        .filter(mailbox::Column::OwnerId.ne(user_id))
        .count(db)
        .await?;
    Ok(owned + granted)
}

pub(super) fn grant_to_mailbox() -> RelationDef {
    mailbox_grant::Entity::belongs_to(mailbox::Entity)
        .from(mailbox_grant::Column::MailboxId)
        .to(mailbox::Column::Id)
        .into()
}

/// Refuses one more mailbox for the user when the plan's limit is reached.
pub(super) async fn ensure_room(
    db: &impl ConnectionTrait,
    user_id: i64,
    plan: Plan,
) -> ServiceResult<()> {
    if let Some(limit) = plan.mailbox_limit()
        && mailbox_count(db, user_id).await? >= u64::from(limit)
    {
        return Err(ServiceError::MailboxLimit { plan, limit });
    }
    Ok(())
}
