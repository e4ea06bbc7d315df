use crate::error::AppError;
use leptos::prelude::*;

/// **Link to CRM**: message `message` (or, with `conversation`, every message of its
/// conversation) to record `kind` `record`. Returns how many messages it covers.
#[server(prefix = "/api", endpoint = "link_message")]
pub async fn link_message(
    message: i64,
    kind: String,
    record: i64,
    conversation: Option<bool>,
) -> Result<usize, AppError> {
    use super::super::context::{actor, fail, from_service};
    let (state, actor) = actor().await?;
    let kind = kind.parse::<domain::CrmKind>().map_err(|_| {
        fail(AppError::Invalid {
            field: "kind".into(),
            reason: "invalid".into(),
        })
    })?;
    if conversation.unwrap_or(false) {
        services::crm::links::link_conversation(&state.db, &actor, message, kind, record)
            .await
            .map_err(from_service)
    } else {
        services::crm::links::link(&state.db, &actor, message, kind, record)
            .await
            .map(|()| 1)
            .map_err(from_service)
    }
}
