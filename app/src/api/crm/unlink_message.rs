use crate::error::AppError;
use leptos::prelude::*;

/// **Unlink**: message `message` from record `kind` `record` (a manual or automatic link).
#[server(prefix = "/api", endpoint = "unlink_message")]
pub async fn unlink_message(message: i64, kind: String, record: i64) -> Result<(), AppError> {
    use super::super::context::{actor, fail, from_service};
    let (state, actor) = actor().await?;
    let kind = kind.parse::<domain::CrmKind>().map_err(|_| {
        fail(AppError::Invalid {
            field: "kind".into(),
            reason: "invalid".into(),
        })
    })?;
    services::crm::links::unlink(&state.db, &actor, message, kind, record)
        .await
        .map_err(from_service)
}
