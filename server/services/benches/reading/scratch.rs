//! Throwaway storage of a run: its directory under `target/bench-reading` (the SQLite
//! file, the server's data dir and log) and its own PostgreSQL database.

use super::{Backend, repo, scenarios};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use std::path::{Path, PathBuf};

pub async fn database_mb(db: &DatabaseConnection, dir: &Path) -> u64 {
    let bytes = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let sql = "SELECT pg_database_size(current_database()) AS n";
            scenarios::query(db, sql, Vec::new())
                .await
                .ok()
                .and_then(|rows| rows.first()?.try_get::<i64>("", "n").ok())
                .unwrap_or(0) as u64
        }
        _ => ["mail.db", "mail.db-wal"]
            .iter()
            .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
            .map(|m| m.len())
            .sum(),
    };
    bytes >> 20
}

/// The run's own directory under `target/bench-reading`, removed afterwards.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn dir(backend: Backend) -> Scratch {
        let dir = repo().join("target/bench-reading").join(format!(
            "{}-{}",
            backend.name().to_lowercase(),
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("bench directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // BENCH_KEEP=1 keeps the databases and the server's log for a look.
        if std::env::var_os("BENCH_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// `bench_reading_<pid>` on the local PostgreSQL, dropped with this value (outside any
/// runtime: it runs its own).
pub struct PgDatabase {
    admin: String,
    name: String,
}

impl PgDatabase {
    pub fn create() -> PgDatabase {
        let admin = std::env::var("BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let pg = PgDatabase {
            admin,
            name: format!("bench_reading_{}", std::process::id()),
        };
        pg.admin_sql(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", pg.name));
        pg.admin_sql(&format!("CREATE DATABASE {}", pg.name));
        pg
    }

    pub fn url(&self) -> String {
        let base = self.admin.rsplit_once('/').map_or("", |(b, _)| b);
        format!("{base}/{}", self.name)
    }

    fn admin_sql(&self, sql: &str) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let admin = Database::connect(&self.admin)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL at {}: {e}", self.admin));
            if let Err(err) = admin.execute_unprepared(sql).await {
                eprintln!("bench: {sql}: {err}");
            }
            admin.close().await.ok();
        });
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if std::env::var_os("BENCH_KEEP").is_some() {
            eprintln!("bench: BENCH_KEEP: database {} kept", self.name);
            return;
        }
        self.admin_sql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}
