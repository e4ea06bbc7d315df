use crate::error::AppError;
use leptos::prelude::*;

/// Checks the email and password, starts a session and opens Mail in the user's language
/// (returned too, so a hydrated page switches without a reload). Throttled per (account,
/// address), per address and per account: 429 with `Retry-After`.
#[server(prefix = "/api", endpoint = "log_in")]
pub async fn log_in(email: String, password: String) -> Result<domain::Language, AppError> {
    use super::super::context::{
        begin_session, client_address, from_service, remember_language, state,
    };
    let state = state()?;
    let client = client_address(&state);
    let user = services::accounts::log_in(&state.db, &state.throttles, &client, &email, &password)
        .await
        .map_err(from_service)?;
    begin_session(user.id).await?;
    let language = user.language();
    remember_language(language);
    leptos_axum::redirect("/mail");
    Ok(language)
}
