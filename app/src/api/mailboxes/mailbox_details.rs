use crate::error::AppError;
use domain::MailboxDetails;
use leptos::prelude::*;

/// A mailbox's settings for its owner; a grantee is refused, anyone else gets not-found.
#[server(name = MailboxDetailsFn, prefix = "/api", endpoint = "mailbox_details")]
pub async fn mailbox_details(id: i64) -> Result<MailboxDetails, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::mailboxes::details(&state.db, &actor, id)
        .await
        .map_err(from_service)
}
