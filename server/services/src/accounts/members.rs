use super::{Actor, password, sign_up};
use crate::{entities::user, error::ServiceResult, validate};
use domain::{Language, MemberView, Role};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};

pub struct NewMember {
    pub name: String,
    pub email: String,
    pub password: String,
    pub role: Role,
}

/// Members of the actor's own workspace, oldest first.
pub async fn list_members(
    db: &DatabaseConnection,
    actor: &Actor,
) -> ServiceResult<Vec<MemberView>> {
    let rows = user::Entity::find()
        .filter(user::Column::WorkspaceId.eq(actor.workspace_id))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|u| MemberView {
            id: u.id,
            role: u.role(),
            name: u.name,
            email: u.email,
        })
        .collect())
}

/// Adds a member to the actor's workspace; admins only.
pub async fn add_member(
    db: &DatabaseConnection,
    actor: &Actor,
    form: NewMember,
) -> ServiceResult<MemberView> {
    actor.require_admin()?;
    let name = validate::name("name", &form.name)?;
    let email = validate::email(&form.email)?;
    let hash = password::hash(validate::new_password(&form.password)?).await?;
    sign_up::ensure_email_free(db, &email).await?;
    let member = user::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        name: Set(name),
        email: Set(email),
        password_hash: Set(hash),
        role: Set(form.role),
        language: Set(Language::default()),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(sign_up::unique_email)?;
    tracing::info!(
        workspace = actor.workspace_id,
        user = member.id,
        "member added"
    );
    Ok(MemberView {
        id: member.id,
        role: member.role(),
        name: member.name,
        email: member.email,
    })
}
