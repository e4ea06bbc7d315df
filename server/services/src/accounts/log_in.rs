use super::password;
use crate::{
    entities::user,
    error::{ServiceError, ServiceResult},
    throttle::{ClientAddress, Throttles},
    validate,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// Checks an email and password; returns the user for the session. Throttled per
/// (account, address), per address and per account (`throttle`); an unknown email costs
/// the same hash as a known one and is throttled the same way, so neither the answer nor
/// its timing tells which emails are registered.
pub async fn log_in(
    db: &DatabaseConnection,
    throttles: &Throttles,
    client: &ClientAddress,
    email: &str,
    password: &str,
) -> ServiceResult<user::Model> {
    let email = validate::email(email)?;
    let password = validate::password("password", password)?;
    let attempt = throttles.begin_login(&email, client)?;
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(db)
        .await?;
    let Some(user) = found else {
        password::verify_against_dummy(password).await?;
        return Err(ServiceError::WrongCredentials);
    };
    if password::verify(password, &user.password_hash).await? {
        throttles.login_succeeded(attempt);
        Ok(user)
    } else {
        tracing::info!(user = user.id, "login refused: wrong password");
        Err(ServiceError::WrongCredentials)
    }
}
