use crate::error::AppError;
use domain::OAuthProvider;
use leptos::prelude::*;

/// The OAuth2 sign-ins this deployment offers (client id and secret set), so a tile shows
/// its **Sign in** button or says what the administrator must set. Signed-in users only.
#[server(prefix = "/api", endpoint = "sign_in_providers")]
pub async fn sign_in_providers() -> Result<Vec<OAuthProvider>, AppError> {
    use super::super::context::actor;
    let (state, _actor) = actor().await?;
    Ok(state.oauth.configured())
}
