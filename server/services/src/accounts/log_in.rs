use super::password;
use crate::{
    entities::user,
    error::{ServiceError, ServiceResult},
};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::num::NonZeroU32;

/// Login attempts per email address: a burst of 5, then one more every 12 seconds.
/// In memory per server process; an attacker spreading tries over replicas gets at most
/// that many times more, which argon2's cost still makes slow.
#[derive(Debug)]
pub struct LoginLimiter(DefaultKeyedRateLimiter<String>);

impl Default for LoginLimiter {
    fn default() -> Self {
        let burst = NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN);
        LoginLimiter(RateLimiter::keyed(
            Quota::per_minute(burst).allow_burst(burst),
        ))
    }
}

impl LoginLimiter {
    fn allow(&self, email: &str) -> bool {
        self.0.check_key(&email.to_owned()).is_ok()
    }
}

/// Checks an email and password; returns the user for the session.
pub async fn log_in(
    db: &DatabaseConnection,
    limiter: &LoginLimiter,
    email: &str,
    password: &str,
) -> ServiceResult<user::Model> {
    let email = email.trim().to_lowercase();
    if !limiter.allow(&email) {
        return Err(ServiceError::RateLimited);
    }
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(db)
        .await?;
    let Some(user) = found else {
        password::verify_against_dummy(password);
        return Err(ServiceError::WrongCredentials);
    };
    if password::verify(password, &user.password_hash) {
        Ok(user)
    } else {
        tracing::info!(user = user.id, "login refused: wrong password");
        Err(ServiceError::WrongCredentials)
    }
}
