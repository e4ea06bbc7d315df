use crate::error::AppError;
use domain::{CrmCreate, PlannedRecord};
use leptos::prelude::*;

/// What automatic creation with `create` would make from the mailbox's newest 100
/// messages, as things stand; writes nothing. For the mailbox's owner, on a plan with CRM
/// links.
#[server(name = CrmPreviewFn, prefix = "/api", endpoint = "crm_preview")]
pub async fn crm_preview(mailbox: i64, create: CrmCreate) -> Result<Vec<PlannedRecord>, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::crm::auto::preview(&state.db, &actor, mailbox, create)
        .await
        .map_err(from_service)
}
