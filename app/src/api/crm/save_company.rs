use crate::error::AppError;
use leptos::prelude::*;

/// Creates (no `id`) or edits a company and opens its card. `domains` are one per line
/// (or comma-separated); `owner` is an id, empty for none.
#[server(prefix = "/api", endpoint = "save_company")]
pub async fn save_company(
    id: Option<i64>,
    name: String,
    #[server(default)] domains: String,
    #[server(default)] owner: String,
) -> Result<i64, AppError> {
    use super::super::context::{actor, from_service};
    use super::record_args::{from_save, optional_id, show};
    use services::crm::records::{self, fields::split_list};
    let fields = domain::CompanyFields {
        name,
        domains: split_list("domains", &domains, true).map_err(from_service)?,
        owner_id: optional_id("owner", &owner)?,
    };
    let (state, actor) = actor().await?;
    let id = records::save_company(&state.db, &actor, id, fields)
        .await
        .map_err(from_save)?;
    show(domain::CrmKind::Company, id);
    Ok(id)
}
