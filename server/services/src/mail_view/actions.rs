use crate::{
    AppState,
    accounts::Actor,
    entities::mailbox,
    error::{ServiceError, ServiceResult},
    mailboxes::readable,
    sync::schedule,
};
use chrono::{NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

/// **Sync now** (owner and grantees): due at once, and this process's scheduler woken.
pub async fn sync_now(state: &AppState, actor: &Actor, mailbox_id: i64) -> ServiceResult<()> {
    readable(&state.db, actor, mailbox_id).await?;
    schedule::sync_now(&state.db, mailbox_id).await?;
    state.sync_waker.wake();
    Ok(())
}

/// **Re-sync from date** (`YYYY-MM-DD`): the next run (started now) refetches every message received
/// since `from` (bodies and flags), filling any gap without duplicates. A date in the
/// future is refused; one before the mailbox's period covers the whole period.
pub async fn resync_from(
    state: &AppState,
    actor: &Actor,
    mailbox_id: i64,
    from: &str,
) -> ServiceResult<()> {
    readable(&state.db, actor, mailbox_id).await?;
    let from = NaiveDate::parse_from_str(from.trim(), "%Y-%m-%d")
        .map_err(|_| ServiceError::invalid("date", "invalid"))?
        .and_hms_opt(0, 0, 0)
        .ok_or_else(|| ServiceError::invalid("date", "invalid"))?
        .and_utc();
    if from > Utc::now() {
        return Err(ServiceError::invalid("date", "future"));
    }
    mailbox::Entity::update_many()
        .col_expr(mailbox::Column::ResyncFrom, Expr::value(from))
        .col_expr(mailbox::Column::NextSyncAt, Expr::value(Utc::now()))
        .filter(mailbox::Column::Id.eq(mailbox_id))
        .exec(&state.db)
        .await?;
    state.sync_waker.wake();
    Ok(())
}
