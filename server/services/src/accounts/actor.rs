use crate::{
    entities::{user, workspace},
    error::{ServiceError, ServiceResult},
};
use domain::{CurrentUser, Role};
use sea_orm::{DatabaseConnection, EntityTrait};

/// The signed-in user on whose behalf a service runs. Built from the session's user id
/// by reading the database, so a removed user or a changed role takes effect at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub workspace_id: i64,
    pub role: Role,
}

impl Actor {
    pub async fn load(db: &DatabaseConnection, user_id: i64) -> ServiceResult<Actor> {
        let user = user::Entity::find_by_id(user_id)
            .one(db)
            .await?
            .ok_or(ServiceError::NotSignedIn)?;
        Ok(Actor {
            user_id: user.id,
            workspace_id: user.workspace_id,
            role: user.role(),
        })
    }

    pub fn require_admin(&self) -> ServiceResult<()> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(ServiceError::AdminOnly)
        }
    }
}

/// The browser's view of the signed-in user and their workspace.
pub async fn current_user(db: &DatabaseConnection, user_id: i64) -> ServiceResult<CurrentUser> {
    let (user, ws) = user::Entity::find_by_id(user_id)
        .find_also_related(workspace::Entity)
        .one(db)
        .await?
        .ok_or(ServiceError::NotSignedIn)?;
    let ws = ws.ok_or(ServiceError::NotSignedIn)?;
    Ok(CurrentUser {
        id: user.id,
        name: user.name.clone(),
        email: user.email.clone(),
        role: user.role(),
        language: user.language(),
        workspace_name: ws.name.clone(),
        plan: ws.plan(),
    })
}
