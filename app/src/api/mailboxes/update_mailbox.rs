use super::SyncSettingsForm;
use crate::error::AppError;
use leptos::prelude::*;

/// Saves a mailbox's sync settings; owner only. Period and folders apply on the next sync.
#[server(prefix = "/api", endpoint = "update_mailbox")]
pub async fn update_mailbox(id: i64, settings: SyncSettingsForm) -> Result<(), AppError> {
    use super::super::context::{actor, fail, from_service};
    let (state, actor) = actor().await?;
    let settings = settings.parse().map_err(fail)?;
    services::mailboxes::update_settings(&state, &actor, id, settings)
        .await
        .map_err(from_service)
}
