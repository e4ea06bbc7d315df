use crate::error::AppError;
use domain::DraftSummary;
use leptos::prelude::*;

/// The caller's drafts not yet sent, newest first.
#[server(name = MyDraftsFn, prefix = "/api", endpoint = "my_drafts")]
pub async fn my_drafts() -> Result<Vec<DraftSummary>, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::sending::list_drafts(&state, &actor)
        .await
        .map_err(from_service)
}
