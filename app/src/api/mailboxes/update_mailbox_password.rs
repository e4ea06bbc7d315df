use crate::error::AppError;
use leptos::prelude::*;

/// Replaces the mailbox password after a real IMAP + SMTP login with it; owner only.
/// A few per user and per address, then 429 with `Retry-After`.
#[server(prefix = "/api", endpoint = "update_mailbox_password")]
pub async fn update_mailbox_password(id: i64, password: String) -> Result<(), AppError> {
    use super::super::context::{actor, from_service, throttle};
    let (state, actor) = actor().await?;
    throttle(
        &state,
        services::throttle::Action::PasswordChange,
        Some(actor.user_id),
    )?;
    services::mailboxes::change_password(&state, &actor, id, &password)
        .await
        .map_err(from_service)
}
