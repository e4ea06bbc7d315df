use crate::error::AppError;
use domain::MemberView;
use leptos::prelude::*;

/// Adds a member (name, email, password, role) to the caller's workspace; admins only.
#[server(prefix = "/api", endpoint = "add_member")]
pub async fn add_member(
    name: String,
    email: String,
    password: String,
    role: String,
) -> Result<MemberView, AppError> {
    use super::super::context::{actor, fail, from_service};
    let (state, actor) = actor().await?;
    let role = role.parse().map_err(|_| {
        fail(AppError::Invalid {
            field: "role".into(),
            reason: "unknown".into(),
        })
    })?;
    services::accounts::add_member(
        &state.db,
        &actor,
        services::accounts::NewMember {
            name,
            email,
            password,
            role,
        },
    )
    .await
    .map_err(from_service)
}
