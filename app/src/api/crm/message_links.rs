use crate::error::AppError;
use domain::RecordRef;
use leptos::prelude::*;

/// The CRM records message `message` is linked to (for a reader of its mailbox).
#[server(name = MessageLinksFn, prefix = "/api", endpoint = "message_links")]
pub async fn message_links(message: i64) -> Result<Vec<RecordRef>, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::crm::links::message_links(&state.db, &actor, message)
        .await
        .map_err(from_service)
}
