//! One migrated database per test run, copied for each test. Running every migration took
//! about 0.2 s of each test's database on PostgreSQL (docs/benchmarks.md, thirteenth
//! round) and most tests open two; a copy is one `CREATE DATABASE … TEMPLATE` or one file
//! copy. The template belongs to one run (nextest's `NEXTEST_RUN_ID`; under plain
//! `cargo test`, to the process), so a changed migration is never served from an old one.
//! Whichever test process comes first builds it under a name of its own and renames it
//! into place; the others use it once it is there. scripts/postgres drops the PostgreSQL
//! templates of earlier runs with the rest of `mc_t_*`.

use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::path::{Path, PathBuf};
use tokio::sync::OnceCell;

fn run_key() -> &'static str {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        std::env::var("NEXTEST_RUN_ID")
            .map(|id| id.replace('-', ""))
            .unwrap_or_else(|_| format!("p{}", uuid::Uuid::new_v4().simple()))
    })
}

/// The migrated SQLite file tests copy, in `dir`.
pub async fn sqlite(dir: &Path) -> PathBuf {
    static TEMPLATE: OnceCell<PathBuf> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let path = dir.join(format!("template-{}.db", run_key()));
            if !path.exists() {
                let own = uuid::Uuid::new_v4().simple().to_string();
                let build = dir.join(format!("build-{own}.db"));
                let url = format!("sqlite://{}?mode=rwc", build.display());
                let db = services::db::connect_and_migrate(&url).await.unwrap();
                // A file of its own with nothing left in the write-ahead log, then in place
                // at once (a rename).
                let copy = dir.join(format!("template-{own}.tmp"));
                db.execute_unprepared(&format!("VACUUM INTO '{}'", copy.display()))
                    .await
                    .unwrap();
                db.close().await.unwrap();
                std::fs::rename(&copy, &path).unwrap();
                for leftover in ["", "-wal", "-shm"] {
                    std::fs::remove_file(format!("{}{leftover}", build.display())).ok();
                }
            }
            path
        })
        .await
        .clone()
}

/// The name of the migrated PostgreSQL database tests copy.
pub async fn postgres(admin: &DatabaseConnection, base: &str) -> String {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("mc_t_tpl_{}", run_key());
            if !pg_exists(admin, &name).await {
                let build = format!("mc_t_build_{}", uuid::Uuid::new_v4().simple());
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {build}"))
                    .await
                    .unwrap();
                let db = services::db::connect_and_migrate(&format!("{base}/{build}"))
                    .await
                    .unwrap();
                db.close().await.unwrap();
                // Another process may have put its own in place first: then use that one.
                let renamed = admin
                    .execute_unprepared(&format!("ALTER DATABASE {build} RENAME TO {name}"))
                    .await;
                if renamed.is_err() {
                    assert!(
                        pg_exists(admin, &name).await,
                        "the template database could not be put in place: {renamed:?}"
                    );
                    admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {build}"))
                        .await
                        .ok();
                }
            }
            name
        })
        .await
        .clone()
}

async fn pg_exists(admin: &DatabaseConnection, name: &str) -> bool {
    admin
        .query_one_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            format!("SELECT 1 AS found FROM pg_database WHERE datname = '{name}'"),
        ))
        .await
        .unwrap()
        .is_some()
}
