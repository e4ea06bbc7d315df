use crate::error::AppError;
use domain::MailTree;
use leptos::prelude::*;

/// The left pane: readable mailboxes, their synced folders and unread counts.
#[server(name = MailTreeFn, prefix = "/api", endpoint = "mail_tree")]
pub async fn mail_tree() -> Result<MailTree, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::mail_view::mail_tree(&state.db, &actor)
        .await
        .map_err(from_service)
}
