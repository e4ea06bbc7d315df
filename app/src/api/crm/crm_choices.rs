use crate::error::AppError;
use domain::RecordRef;
use leptos::prelude::*;

/// Up to 500 records of `kind` by name, for a form's choice (a contact's company, a
/// deal's contact and company).
#[server(name = CrmChoicesFn, prefix = "/api", endpoint = "crm_choices")]
pub async fn crm_choices(kind: String) -> Result<Vec<RecordRef>, AppError> {
    use super::super::context::{actor, from_service};
    let kind = super::record_args::kind(&kind)?;
    let (state, actor) = actor().await?;
    services::crm::records::choices(&state.db, &actor, kind)
        .await
        .map_err(from_service)
}
