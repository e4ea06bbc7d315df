//! Accounts for tests: a fresh workspace and its admin.

use domain::Language;
use sea_orm::DatabaseConnection;
use services::accounts::{self, Actor, SignUp};

/// Signs up a new workspace whose admin is `email` (password "correct horse").
pub async fn sign_up(db: &DatabaseConnection, email: &str) -> Actor {
    let admin = accounts::sign_up(
        db,
        SignUp {
            workspace_name: format!("WS of {email}"),
            name: "Olena".into(),
            email: email.into(),
            password: "correct horse".into(),
            language: Language::Uk,
        },
    )
    .await
    .unwrap();
    Actor::load(db, admin.id).await.unwrap()
}
