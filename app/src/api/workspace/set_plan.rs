use crate::error::AppError;
use leptos::prelude::*;

/// Changes the workspace plan; admins only. A downgrade deletes nothing.
#[server(prefix = "/api", endpoint = "set_plan")]
pub async fn set_plan(plan: String) -> Result<(), AppError> {
    use super::super::context::{actor, fail, from_service};
    let (state, actor) = actor().await?;
    let plan = plan.parse().map_err(|_| {
        fail(AppError::Invalid {
            field: "plan".into(),
            reason: "unknown".into(),
        })
    })?;
    services::plan::set_plan(&state.db, &actor, plan)
        .await
        .map_err(from_service)?;
    state.sync_waker.wake();
    Ok(())
}
