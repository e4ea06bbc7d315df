use crate::error::AppError;
use leptos::prelude::*;

/// Creates (no `id`) or edits a contact and opens its card. `emails` and `phones` are one
/// per line (or comma-separated); `company` and `owner` are ids, empty for none.
#[server(prefix = "/api", endpoint = "save_contact")]
pub async fn save_contact(
    id: Option<i64>,
    name: String,
    #[server(default)] emails: String,
    #[server(default)] phones: String,
    #[server(default)] company: String,
    #[server(default)] owner: String,
) -> Result<i64, AppError> {
    use super::super::context::{actor, from_service};
    use super::record_args::{from_save, optional_id, show};
    use services::crm::records::{self, fields::split_list};
    let fields = domain::ContactFields {
        name,
        emails: split_list("emails", &emails, true).map_err(from_service)?,
        phones: split_list("phones", &phones, false).map_err(from_service)?,
        company_id: optional_id("company", &company)?,
        owner_id: optional_id("owner", &owner)?,
    };
    let (state, actor) = actor().await?;
    let id = records::save_contact(&state.db, &actor, id, fields)
        .await
        .map_err(from_save)?;
    show(domain::CrmKind::Contact, id);
    Ok(id)
}
