use crate::error::AppError;
use leptos::prelude::*;

/// **Re-sync from date** (`YYYY-MM-DD`): refetch everything received since then.
#[server(prefix = "/api", endpoint = "resync_from")]
pub async fn resync_from(mailbox: i64, date: String) -> Result<(), AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::mail_view::resync_from(&state, &actor, mailbox, &date)
        .await
        .map_err(from_service)
}
