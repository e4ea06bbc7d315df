use crate::error::AppError;
use domain::MemberView;
use leptos::prelude::*;

/// Members of the caller's workspace.
#[server(prefix = "/api", endpoint = "list_members")]
pub async fn list_members() -> Result<Vec<MemberView>, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::accounts::list_members(&state.db, &actor)
        .await
        .map_err(from_service)
}
