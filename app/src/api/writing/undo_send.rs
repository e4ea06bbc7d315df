use crate::error::AppError;
use domain::ComposeView;
use leptos::prelude::*;

/// Takes a queued draft back to editing (`DraftChanged` once it is being sent or sent).
#[server(prefix = "/api", endpoint = "undo_send")]
pub async fn undo_send(draft: i64) -> Result<ComposeView, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    let view = services::sending::undo_send(&state, &actor, draft)
        .await
        .map_err(from_service)?;
    leptos_axum::redirect(&format!("/mail/drafts/{draft}"));
    Ok(view)
}
