use crate::error::AppError;
use domain::ActionFailure;
use leptos::prelude::*;

/// Changes that could not be written back to the mail server, in every mailbox the
/// user may read, newest first.
#[server(name = ActionFailuresFn, prefix = "/api", endpoint = "action_failures")]
pub async fn action_failures() -> Result<Vec<ActionFailure>, AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::mail_actions::failures(&state.db, &actor, None)
        .await
        .map_err(from_service)
}

/// Tries a failed change again.
#[server(prefix = "/api", endpoint = "retry_action")]
pub async fn retry_action(id: i64) -> Result<(), AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::mail_actions::retry_failure(&state, &actor, id)
        .await
        .map_err(from_service)
}

/// Forgets a failed change.
#[server(prefix = "/api", endpoint = "dismiss_action")]
pub async fn dismiss_action(id: i64) -> Result<(), AppError> {
    use super::super::context::{actor, from_service};
    let (state, actor) = actor().await?;
    services::mail_actions::dismiss_failure(&state.db, &actor, id)
        .await
        .map_err(from_service)
}
