use crate::error::AppError;
use leptos::prelude::*;

/// Sets the caller's undo-send delay: 0 to `MAX_UNDO_SECONDS` seconds.
#[server(prefix = "/api", endpoint = "set_undo_seconds")]
pub async fn set_undo_seconds(seconds: u32) -> Result<(), AppError> {
    use super::super::context::{actor, fail, from_service};
    if seconds > domain::MAX_UNDO_SECONDS {
        return Err(fail(AppError::Invalid {
            field: "seconds".into(),
            reason: "invalid".into(),
        }));
    }
    let (state, actor) = actor().await?;
    services::sending::set_undo_seconds(&state, &actor, seconds)
        .await
        .map_err(from_service)
}
