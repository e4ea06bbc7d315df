use crate::error::AppError;
use leptos::prelude::*;

/// **Always show images** from the sender of message `id` (for this user).
#[server(prefix = "/api", endpoint = "allow_images")]
pub async fn allow_images(id: i64) -> Result<(), AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::reading::allow_images_from_sender(&state.db, &actor, id)
        .await
        .map_err(from_service)
}
