use super::SyncSettingsForm;
use crate::error::AppError;
use leptos::prelude::*;

/// Saves a mailbox's sync settings; owner only. Period and folders apply on the next sync.
/// `apply_synced` answers "Apply to mail already synced?" (`yes`/`no`), asked when the
/// settings turn on automatic CRM links or one of their creation rules; without it,
/// synced mail is included.
#[server(prefix = "/api", endpoint = "update_mailbox")]
pub async fn update_mailbox(
    id: i64,
    settings: SyncSettingsForm,
    apply_synced: Option<String>,
) -> Result<(), AppError> {
    use super::super::context::{actor, fail, from_service};
    let (state, actor) = actor().await?;
    let settings = settings.parse().map_err(fail)?;
    let apply = apply_synced.as_deref() != Some("no");
    services::mailboxes::update_settings_applying(&state, &actor, id, settings, apply)
        .await
        .map_err(from_service)
}
