use crate::error::AppError;
use leptos::prelude::*;

/// Deletes a CRM record (and its links to mail) and opens the list of its kind. The page
/// asks first: this is its confirm button.
#[server(prefix = "/api", endpoint = "delete_record")]
pub async fn delete_record(kind: String, id: i64) -> Result<(), AppError> {
    use super::super::context::{actor, from_service};
    let kind = super::record_args::kind(&kind)?;
    let (state, actor) = actor().await?;
    services::crm::records::delete_record(&state.db, &actor, kind, id)
        .await
        .map_err(from_service)?;
    leptos_axum::redirect(&format!("/crm/{}", kind.plural()));
    Ok(())
}
