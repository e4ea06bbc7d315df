use crate::error::AppError;
use domain::CurrentUser;
use leptos::prelude::*;

/// The signed-in user and their workspace, or `NotSignedIn`.
#[server(name = CurrentUserFn, prefix = "/api", endpoint = "current_user")]
pub async fn current_user() -> Result<CurrentUser, AppError> {
    use super::super::context::{from_service, signed_in_user_id, state};
    let state = state()?;
    let user_id = signed_in_user_id().await?;
    services::accounts::current_user(&state.db, user_id)
        .await
        .map_err(from_service)
}
