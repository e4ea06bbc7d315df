use super::password;
use crate::{
    entities::{user, workspace},
    error::{ServiceError, ServiceResult},
    validate,
};
use domain::{Language, Plan, Role};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait,
};

pub struct SignUp {
    pub workspace_name: String,
    pub name: String,
    pub email: String,
    pub password: String,
    pub language: Language,
}

/// Creates a new workspace on the Free plan and its first admin. Returns the admin.
pub async fn sign_up(db: &DatabaseConnection, form: SignUp) -> ServiceResult<user::Model> {
    let workspace_name = validate::name("workspace_name", &form.workspace_name)?;
    let name = validate::name("name", &form.name)?;
    let email = validate::email(&form.email)?;
    let hash = password::hash(validate::new_password(&form.password)?).await?;
    ensure_email_free(db, &email).await?;
    let now = chrono::Utc::now();
    let txn = db.begin().await?;
    let ws = workspace::ActiveModel {
        name: Set(workspace_name),
        plan: Set(Plan::Free),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let admin = user::ActiveModel {
        workspace_id: Set(ws.id),
        name: Set(name),
        email: Set(email),
        password_hash: Set(hash),
        role: Set(Role::Admin),
        language: Set(form.language),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(unique_email)?;
    txn.commit().await?;
    tracing::info!(workspace = ws.id, user = admin.id, "workspace signed up");
    Ok(admin)
}

pub(super) async fn ensure_email_free(db: &DatabaseConnection, email: &str) -> ServiceResult<()> {
    let taken = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?
        .is_some();
    if taken {
        Err(ServiceError::EmailTaken)
    } else {
        Ok(())
    }
}

/// Two sign-ups racing for one email: the unique index decides, and the loser is told why.
pub(super) fn unique_email(err: sea_orm::DbErr) -> ServiceError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => ServiceError::EmailTaken,
        _ => ServiceError::Storage(err),
    }
}
