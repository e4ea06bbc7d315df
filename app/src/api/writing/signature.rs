use crate::error::AppError;
use leptos::prelude::*;

/// A mailbox's signature, added below new messages, replies and forwards sent from it.
#[server(name = SignatureFn, prefix = "/api", endpoint = "signature")]
pub async fn signature(mailbox: i64) -> Result<String, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::sending::signature(&state, &actor, mailbox)
        .await
        .map_err(from_service)
}

/// Sets a mailbox's signature; owner only.
#[server(prefix = "/api", endpoint = "set_signature")]
pub async fn set_signature(mailbox: i64, #[server(default)] text: String) -> Result<(), AppError> {
    use super::super::context::{actor, from_service};
    // Longest signature, in characters (the service says the same).
    const MAX_SIGNATURE_CHARS: usize = 2_000;
    super::bounded("signature", &text, MAX_SIGNATURE_CHARS)?;
    let (state, actor) = actor().await?;
    services::sending::set_signature(&state, &actor, mailbox, &text)
        .await
        .map_err(from_service)
}
