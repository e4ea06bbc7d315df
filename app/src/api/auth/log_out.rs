use crate::error::AppError;
use leptos::prelude::*;

/// Ends the session everywhere it is stored and returns to the login page.
#[server(prefix = "/api", endpoint = "log_out")]
pub async fn log_out() -> Result<(), AppError> {
    super::super::context::end_session().await?;
    leptos_axum::redirect("/login");
    Ok(())
}
