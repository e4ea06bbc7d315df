use crate::error::AppError;
use leptos::prelude::*;

/// Removes an attachment from the caller's draft while it can still change.
#[server(prefix = "/api", endpoint = "remove_attachment")]
pub async fn remove_attachment(draft: i64, attachment: i64) -> Result<(), AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::sending::remove_attachment(&state, &actor, draft, attachment)
        .await
        .map_err(from_service)
}
