use crate::error::AppError;
use leptos::prelude::*;

/// Replaces the mailbox password after a real IMAP + SMTP login with it; owner only.
#[server(prefix = "/api", endpoint = "update_mailbox_password")]
pub async fn update_mailbox_password(id: i64, password: String) -> Result<(), AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::mailboxes::change_password(&state, &actor, id, &password)
        .await
        .map_err(from_service)
}
