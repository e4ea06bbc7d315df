use crate::error::AppError;
use domain::RecordPage;
use leptos::prelude::*;

/// One page of a CRM list: records of `kind` whose name, title, address, phone or domain
/// contains `search`, owned by `owner` (empty: anyone), older than `before`.
#[server(name = ListRecordsFn, prefix = "/api", endpoint = "list_records")]
pub async fn list_records(
    kind: String,
    #[server(default)] search: String,
    #[server(default)] owner: String,
    before: Option<i64>,
) -> Result<RecordPage, AppError> {
    use super::super::context::{actor, from_service};
    use super::record_args::{kind as parse_kind, optional_id};
    let kind = parse_kind(&kind)?;
    let query = domain::RecordQuery {
        search,
        owner_id: optional_id("owner", &owner)?,
        before,
    };
    let (state, actor) = actor().await?;
    services::crm::records::list_records(&state.db, &actor, kind, &query)
        .await
        .map_err(from_service)
}
