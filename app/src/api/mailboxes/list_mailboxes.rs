use crate::error::AppError;
use domain::MailboxView;
use leptos::prelude::*;

/// The caller's mailboxes and those shared with them.
#[server(prefix = "/api", endpoint = "list_mailboxes")]
pub async fn list_mailboxes() -> Result<Vec<MailboxView>, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::mailboxes::visible_mailboxes(&state.db, &actor)
        .await
        .map_err(from_service)
}
