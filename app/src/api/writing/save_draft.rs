// The form's fields are the function's arguments (server functions take a flat form).
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use domain::ComposeView;
use leptos::prelude::*;

/// Stores what the compose form holds. `revision`, when given, must be the draft's
/// current one: a save over a newer version (another tab) is refused with `DraftChanged`
/// rather than overwriting it.
#[server(prefix = "/api", endpoint = "save_draft")]
pub async fn save_draft(
    draft: i64,
    mailbox: i64,
    #[server(default)] to: String,
    #[server(default)] cc: String,
    #[server(default)] bcc: String,
    #[server(default)] subject: String,
    #[server(default)] body: String,
    /// The undo-send delay chosen on the form (sent with it when JavaScript is off).
    undo_seconds: Option<u32>,
    revision: Option<i64>,
) -> Result<ComposeView, AppError> {
    use super::super::context::{actor, from_service};
    let fields = super::fields(mailbox, to, cc, bcc, subject, body)?;
    let (state, actor) = actor().await?;
    if let Some(seconds) = undo_seconds {
        services::sending::set_undo_seconds(&state, &actor, seconds)
            .await
            .map_err(from_service)?;
    }
    services::sending::save_draft(&state, &actor, draft, &fields, revision)
        .await
        .map_err(from_service)
}
