use crate::error::AppError;
use domain::OwnerRef;
use leptos::prelude::*;

/// The workspace's members, as owners of CRM records.
#[server(name = CrmOwnersFn, prefix = "/api", endpoint = "crm_owners")]
pub async fn crm_owners() -> Result<Vec<OwnerRef>, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::crm::records::owners(&state.db, &actor)
        .await
        .map_err(from_service)
}
