use crate::error::AppError;
use leptos::prelude::*;

/// Switches the interface language: remembered for the signed-in user, and in a cookie
/// for the pages before login.
#[server(prefix = "/api", endpoint = "set_language")]
pub async fn set_language(language: String) -> Result<domain::Language, AppError> {
    use super::super::context::{fail, from_service, remember_language, session_user_id, state};
    let language: domain::Language = language.parse().map_err(|_| {
        fail(AppError::Invalid {
            field: "language".into(),
            reason: "unknown".into(),
        })
    })?;
    if let Some(user_id) = session_user_id().await? {
        let state = state()?;
        services::accounts::set_language(&state.db, user_id, language)
            .await
            .map_err(from_service)?;
    }
    remember_language(language);
    Ok(language)
}
