// The form's fields are the function's arguments (server functions take a flat form).
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use leptos::prelude::*;

/// Creates (no `id`) or edits a lead or a deal (`kind`) and opens its card. `amount` as
/// typed (`1 234,50`), empty when unknown; `owner`, `contact` and `company` are ids, empty
/// for none.
#[server(prefix = "/api", endpoint = "save_deal")]
pub async fn save_deal(
    kind: String,
    id: Option<i64>,
    title: String,
    #[server(default)] stage: String,
    #[server(default)] amount: String,
    #[server(default)] owner: String,
    #[server(default)] contact: String,
    #[server(default)] company: String,
) -> Result<i64, AppError> {
    use super::super::context::{actor, from_service};
    use super::record_args::{from_save, kind as parse_kind, optional_id, show};
    use services::crm::records::{self, fields::amount_text};
    let kind = parse_kind(&kind)?;
    let fields = domain::DealFields {
        title,
        stage,
        amount: amount_text(&amount).map_err(from_service)?,
        owner_id: optional_id("owner", &owner)?,
        contact_id: optional_id("contact", &contact)?,
        company_id: optional_id("company", &company)?,
    };
    let (state, actor) = actor().await?;
    let id = records::save_deal(&state.db, &actor, kind, id, fields)
        .await
        .map_err(from_save)?;
    show(kind, id);
    Ok(id)
}
