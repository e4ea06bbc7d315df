use crate::{
    AppState,
    accounts::Actor,
    error::{ServiceError, ServiceResult},
    mailboxes::readable,
    sync::request::{COOLDOWN, request_run},
};
use chrono::{NaiveDate, Utc};

/// **Sync now** (owner and grantees): due at once, and this process's scheduler woken. At
/// most once per mailbox every 30 s (`SyncCooldown` says how long to wait), and refused
/// with `NeedsNewPassword` for a mailbox whose password the server refused
/// (`NeedsReconnect` for one signed in with Microsoft or Google).
pub async fn sync_now(state: &AppState, actor: &Actor, mailbox_id: i64) -> ServiceResult<()> {
    readable(&state.db, actor, mailbox_id).await?;
    request_run(&state.db, mailbox_id, None, Utc::now(), COOLDOWN).await?;
    state.sync_waker.wake();
    Ok(())
}

/// **Re-sync from date** (`YYYY-MM-DD`): the next run (started now) refetches every message received
/// since `from` (bodies and flags), filling any gap without duplicates. A date in the
/// future is refused; one before the mailbox's period covers the whole period. Shares
/// Sync now's cooldown and its refusal of a mailbox that needs a new password.
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
    request_run(&state.db, mailbox_id, Some(from), Utc::now(), COOLDOWN).await?;
    state.sync_waker.wake();
    Ok(())
}
