use crate::error::AppError;
use leptos::prelude::*;

/// Deletes the caller's draft (not one on its way out) and goes back to All inboxes.
#[server(prefix = "/api", endpoint = "discard_draft")]
pub async fn discard_draft(draft: i64) -> Result<(), AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::sending::discard_draft(&state, &actor, draft)
        .await
        .map_err(from_service)?;
    leptos_axum::redirect("/mail/inbox");
    Ok(())
}
