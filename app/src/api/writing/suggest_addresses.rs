use crate::error::AppError;
use domain::AddressSuggestion;
use leptos::prelude::*;

/// People the caller has corresponded with whose name or address starts with `q`.
/// A query shorter than 2 characters suggests nobody (without asking the database).
#[server(name = SuggestAddressesFn, prefix = "/api", endpoint = "suggest_addresses")]
pub async fn suggest_addresses(q: String) -> Result<Vec<AddressSuggestion>, AppError> {
    use super::super::context::{actor, from_service};
    super::bounded("q", &q, super::MAX_QUERY_CHARS)?;
    let (state, actor) = actor().await?;
    let q = q.trim();
    if q.chars().count() < 2 {
        return Ok(Vec::new());
    }
    services::sending::suggest_addresses(&state, &actor, q)
        .await
        .map_err(from_service)
}
