use crate::error::AppError;
use domain::RecordCard;
use leptos::prelude::*;

/// A CRM record's card: its fields, owner and related records.
#[server(name = RecordCardFn, prefix = "/api", endpoint = "record_card")]
pub async fn record_card(kind: String, id: i64) -> Result<RecordCard, AppError> {
    use super::super::context::{actor, from_service};
    let kind = super::record_args::kind(&kind)?;
    let (state, actor) = actor().await?;
    services::crm::records::record_card(&state.db, &actor, kind, id)
        .await
        .map_err(from_service)
}
