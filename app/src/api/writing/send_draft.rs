// The form's fields are the function's arguments (server functions take a flat form).
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use domain::ComposeView;
use leptos::prelude::*;

/// Saves the form and sends it: queued for the user's undo-send delay, then sent by the
/// server (closing the tab neither cancels nor loses it). A draft that cannot go is kept,
/// saved, with the reason (`Send(problem)`). A plain form post comes back to the draft,
/// which shows the countdown and **Undo**.
#[server(prefix = "/api", endpoint = "send_draft")]
pub async fn send_draft(
    draft: i64,
    mailbox: i64,
    #[server(default)] to: String,
    #[server(default)] cc: String,
    #[server(default)] bcc: String,
    #[server(default)] subject: String,
    #[server(default)] body: String,
    /// The undo-send delay chosen on the form (sent with it when JavaScript is off).
    undo_seconds: Option<u32>,
) -> Result<ComposeView, AppError> {
    use super::super::context::{actor, from_service};
    let fields = super::fields(mailbox, to, cc, bcc, subject, body)?;
    let (state, actor) = actor().await?;
    if let Some(seconds) = undo_seconds {
        services::sending::set_undo_seconds(&state, &actor, seconds)
            .await
            .map_err(from_service)?;
    }
    let view = services::sending::send_draft(&state, &actor, draft, &fields)
        .await
        .map_err(from_service)?;
    leptos_axum::redirect(&format!("/mail/drafts/{draft}"));
    Ok(view)
}
