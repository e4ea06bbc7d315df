use crate::error::AppError;
use leptos::prelude::*;

/// Creates a workspace (Free plan) with its first admin, and signs the admin in. A few
/// per client address, then 429 with `Retry-After`.
#[server(prefix = "/api", endpoint = "sign_up")]
pub async fn sign_up(
    workspace_name: String,
    name: String,
    email: String,
    password: String,
    language: String,
) -> Result<(), AppError> {
    use super::super::context::{begin_session, from_service, remember_language, state, throttle};
    let state = state()?;
    throttle(&state, services::throttle::Action::SignUp, None)?;
    let language = language.parse().unwrap_or_default();
    let admin = services::accounts::sign_up(
        &state.db,
        services::accounts::SignUp {
            workspace_name,
            name,
            email,
            password,
            language,
        },
    )
    .await
    .map_err(from_service)?;
    begin_session(admin.id).await?;
    remember_language(language);
    leptos_axum::redirect("/mail");
    Ok(())
}
