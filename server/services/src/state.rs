use crate::{accounts::LoginLimiter, secrets::MasterKey};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// What every request handler and server function is handed: one pool, one key, one limiter.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub master_key: MasterKey,
    pub login_limiter: Arc<LoginLimiter>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, master_key: MasterKey) -> Self {
        Self {
            db,
            master_key,
            login_limiter: Arc::new(LoginLimiter::default()),
        }
    }
}
