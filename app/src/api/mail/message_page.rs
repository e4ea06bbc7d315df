use crate::error::AppError;
use domain::MessagePage;
use leptos::prelude::*;

/// One page of a folder's messages, newest first.
#[server(name = MessagePageFn, prefix = "/api", endpoint = "message_page")]
pub async fn message_page(mailbox: i64, folder: i64, page: u32) -> Result<MessagePage, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::mail_view::message_page(&state.db, &actor, mailbox, folder, page)
        .await
        .map_err(from_service)
}
