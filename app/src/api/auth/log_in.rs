use crate::error::AppError;
use leptos::prelude::*;

/// Checks the email and password, starts a session and opens Mail in the user's language
/// (returned too, so a hydrated page switches without a reload).
#[server(prefix = "/api", endpoint = "log_in")]
pub async fn log_in(email: String, password: String) -> Result<domain::Language, AppError> {
    use super::super::context::{begin_session, from_service, remember_language, state};
    let state = state()?;
    let user = services::accounts::log_in(&state.db, &state.login_limiter, &email, &password)
        .await
        .map_err(from_service)?;
    begin_session(user.id).await?;
    let language = user.language();
    remember_language(language);
    leptos_axum::redirect("/mail");
    Ok(language)
}
