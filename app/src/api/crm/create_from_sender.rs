use crate::error::AppError;
use domain::RecordRef;
use leptos::prelude::*;

/// **Create contact from sender** / **Create lead from sender** (`kind` `contact` or
/// `lead`): the sender of message `message` as a contact (the existing one when its
/// address is known) or a lead for that contact, linked to the message.
#[server(prefix = "/api", endpoint = "create_from_sender")]
pub async fn create_from_sender(message: i64, kind: String) -> Result<RecordRef, AppError> {
    use super::super::context::{actor, fail, from_service};
    let (state, actor) = actor().await?;
    let kind = kind.parse::<domain::CrmKind>().map_err(|_| {
        fail(AppError::Invalid {
            field: "kind".into(),
            reason: "invalid".into(),
        })
    })?;
    services::crm::links::create_from_sender(&state, &actor, message, kind)
        .await
        .map_err(from_service)
}
