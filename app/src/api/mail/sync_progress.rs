use crate::error::AppError;
use domain::SyncProgress;
use leptos::prelude::*;

/// One mailbox's sync progress (polled while it syncs).
#[server(name = SyncProgressFn, prefix = "/api", endpoint = "sync_progress")]
pub async fn sync_progress(mailbox: i64) -> Result<SyncProgress, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::mail_view::sync_progress(&state.db, &actor, mailbox)
        .await
        .map_err(from_service)
}
