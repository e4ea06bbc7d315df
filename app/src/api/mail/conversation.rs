use crate::error::AppError;
use domain::Conversation;
use leptos::prelude::*;

/// Opens message `id`: its conversation across folders. Opening marks it read.
#[server(name = ConversationFn, prefix = "/api", endpoint = "conversation")]
pub async fn conversation(id: i64) -> Result<Conversation, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    // Opening marks read (nothing is written when it already is).
    services::mail_actions::act(&state, &actor, &[id], domain::MessageAction::MarkRead)
        .await
        .map_err(from_service)?;
    services::mail_view::conversation(&state.db, &actor, id)
        .await
        .map_err(from_service)
}
