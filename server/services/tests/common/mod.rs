//! Test databases: every storage test runs once on SQLite and once on PostgreSQL.
//! PostgreSQL comes from `TEST_POSTGRES_URL` (default: the local trust-auth server);
//! each call makes a throwaway database named `mc_t_<uuid>`. Each database is a copy of
//! one migrated once per test run (`template`), then opened as the server opens its own
//! (`connect_and_migrate`, which finds every migration applied).

#![allow(dead_code)]

pub mod account_fixtures;
pub mod cut_proxy;
pub mod hostile_mailbox;
pub mod imap_move_proxy;
pub mod log_capture;
pub mod mail_stack;
pub mod mailbox_fixtures;
pub mod schedule_fixtures;
pub mod smtp_cut_proxy;
pub mod sync_fixtures;
mod template;
pub mod wait;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

pub struct TestDb {
    pub backend: &'static str,
    pub db: DatabaseConnection,
    /// Where `db` connects (a test that needs a connection of its own).
    pub url: String,
}

/// One more connection to the test database at `url`, alone in its pool: for migrating
/// down and up in a test. On the app's pool the statements of one migration land on
/// several connections, and a SQLite connection may still hold the schema from before
/// the last one's change ("trigger … already exists", "duplicate column").
pub async fn own_connection(url: &str) -> DatabaseConnection {
    let mut options = sea_orm::ConnectOptions::new(url.to_owned());
    options.max_connections(1).sqlx_logging(false);
    Database::connect(options).await.unwrap()
}

/// How many migrations `Migrator::down` undoes to undo `name` (it and every later one).
pub fn steps_back_to(name: &str) -> u32 {
    use sea_orm_migration::MigratorTrait;
    let all = services::migration::Migrator::migrations();
    let at = all.iter().position(|m| m.name() == name).unwrap();
    u32::try_from(all.len() - at).unwrap()
}

pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub async fn sqlite() -> TestDb {
    let dir = sqlite_dir();
    let path = dir.join(format!("{}.db", uuid::Uuid::new_v4().simple()));
    std::fs::copy(template::sqlite(&dir).await, &path).unwrap();
    let url = format!("sqlite://{}?mode=rwc", path.display());
    TestDb {
        backend: "sqlite",
        db: services::db::connect_and_migrate(&url).await.unwrap(),
        url,
    }
}

fn sqlite_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("mailcenter-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub async fn postgres() -> TestDb {
    let admin_url = postgres_admin_url();
    let admin = Database::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url} is needed for storage tests: {e}"));
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap();
    let template = template::postgres(&admin, base).await;
    let name = format!("mc_t_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    let url = format!("{base}/{name}");
    TestDb {
        backend: "postgres",
        db: services::db::connect_and_migrate(&url).await.unwrap(),
        url,
    }
}

/// SQLite and PostgreSQL, freshly migrated.
pub async fn databases() -> Vec<TestDb> {
    vec![sqlite().await, postgres().await]
}
