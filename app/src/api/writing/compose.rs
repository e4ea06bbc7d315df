use crate::error::AppError;
use domain::ComposeView;
use leptos::prelude::*;

/// The caller's draft as the compose form shows it (404 for anyone else's).
#[server(name = ComposeFn, prefix = "/api", endpoint = "compose")]
pub async fn compose(draft: i64) -> Result<ComposeView, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::sending::compose_view(&state, &actor, draft)
        .await
        .map_err(from_service)
}
