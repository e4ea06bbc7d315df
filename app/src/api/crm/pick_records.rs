use crate::error::AppError;
use domain::RecordRef;
use leptos::prelude::*;

/// **Link to CRM**'s search: up to 20 contacts, companies, leads and deals of the
/// workspace whose name, title, address or domain contains `q` (at most 100 characters).
#[server(name = PickRecordsFn, prefix = "/api", endpoint = "pick_records")]
pub async fn pick_records(q: String) -> Result<Vec<RecordRef>, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::crm::links::pick(&state.db, &actor, &q)
        .await
        .map_err(from_service)
}
