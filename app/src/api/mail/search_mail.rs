use crate::error::AppError;
use domain::SearchResults;
use leptos::prelude::*;

/// Searches sender, recipients, subject and body: in a folder, a mailbox, or all the
/// user's mail (neither given).
#[server(name = SearchMailFn, prefix = "/api", endpoint = "search_mail")]
pub async fn search_mail(
    q: String,
    mailbox: Option<i64>,
    folder: Option<i64>,
) -> Result<SearchResults, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    let scope = super::message_list::scope(mailbox, folder);
    services::mail_view::search::search_messages(&state.db, &actor, scope, &q)
        .await
        .map_err(from_service)
}
