use crate::error::AppError;
use leptos::prelude::*;

/// Removes the mailbox and its stored mail from the workspace; owner only.
#[server(prefix = "/api", endpoint = "disconnect_mailbox")]
pub async fn disconnect_mailbox(id: i64) -> Result<(), AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::mailboxes::disconnect(&state, &actor, id)
        .await
        .map_err(from_service)?;
    leptos_axum::redirect("/mail/accounts");
    Ok(())
}
