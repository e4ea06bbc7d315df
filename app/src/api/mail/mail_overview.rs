use crate::error::AppError;
use domain::SyncProgress;
use leptos::prelude::*;

/// Every mailbox the caller may read, with its sync progress.
#[server(prefix = "/api", endpoint = "mail_overview")]
pub async fn mail_overview() -> Result<Vec<SyncProgress>, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::mail_view::overview(&state.db, &actor)
        .await
        .map_err(from_service)
}
