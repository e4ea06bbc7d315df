use crate::error::AppError;
use domain::DraftView;
use leptos::prelude::*;

/// The verified connection step C is about: address, provider, folders. No secrets.
#[server(prefix = "/api", endpoint = "load_draft")]
pub async fn load_draft(id: String) -> Result<DraftView, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::mailboxes::load_draft(&state.db, &actor, &id)
        .await
        .map_err(from_service)
}
