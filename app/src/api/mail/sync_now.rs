use crate::error::AppError;
use leptos::prelude::*;

/// **Sync now**: the mailbox syncs at once (owner and grantees).
#[server(prefix = "/api", endpoint = "sync_now")]
pub async fn sync_now(mailbox: i64) -> Result<(), AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::mail_view::sync_now(&state, &actor, mailbox)
        .await
        .map_err(from_service)
}
