//! Opening the database (SQLite by default, PostgreSQL by URL) and migrating it.

use crate::migration::Migrator;
use anyhow::{Context, Result};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

/// Each pooled SQLite connection's page cache, in KiB (SQLite's default is 2,000). The
/// pool's eight connections at the default held 12 of the 38 MB of heap at the peak of a
/// first sync of 10,000 messages; the operating system's file cache sits under SQLite's
/// own, so a page read again is a copy from memory, not a disk read (docs/benchmarks.md,
/// "twenty-third round").
const SQLITE_PAGE_CACHE_KIB: u32 = 512;

/// Connects and applies every pending migration. For SQLite the file's folder is created.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection> {
    if let Some(dir) = sqlite_file(url).and_then(|path| std::path::Path::new(path).parent())
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("Cannot create database folder {}", dir.display()))?;
    }
    let pool = if url.starts_with("sqlite") { 8 } else { 16 };
    // An in-memory database lives as long as its connections: migrated on its pool.
    let in_memory = url.starts_with("sqlite") && sqlite_file(url).is_none();
    if !in_memory {
        // Migrated on a connection of its own first, closed before the pool opens: on a
        // pool one migration's statements land on several connections, and a SQLite
        // connection may still read the schema from before the previous statement's
        // change (seen in the tests that undo and redo migrations: "trigger … already
        // exists").
        let once = connect(url, 1).await?;
        migrate(&once).await?;
        once.close()
            .await
            .context("Cannot close the migration's connection")?;
    }
    let db = connect(url, pool).await?;
    if in_memory {
        migrate(&db).await?;
    }
    Ok(db)
}

async fn connect(url: &str, connections: u32) -> Result<DatabaseConnection> {
    Database::connect(options(url, connections))
        .await
        .context("Cannot connect to the database")
}

async fn migrate(db: &DatabaseConnection) -> Result<()> {
    Migrator::up(db, None)
        .await
        .context("Cannot migrate the database")
}

fn options(url: &str, connections: u32) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(connections)
        .connect_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        // Set as each pooled connection opens (sqlx already turns foreign keys and
        // busy_timeout on). WAL lets readers run beside the one writer.
        .map_sqlx_sqlite_opts(|sqlite| {
            sqlite
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .pragma("cache_size", format!("-{SQLITE_PAGE_CACHE_KIB}"))
        });
    options
}

/// The file of a SQLite URL; None for an in-memory database (`sqlite::memory:`,
/// `sqlite://:memory:`, `mode=memory`).
fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://")?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let memory = path.starts_with(":memory:") || query.split('&').any(|p| p == "mode=memory");
    (!path.is_empty() && !memory).then_some(path)
}

/// Runs a write transaction again when SQLite says another writer got there first
/// (`SQLITE_BUSY`, or `SQLITE_BUSY_SNAPSHOT` when a deferred transaction that read first
/// must upgrade to write). The sync writes while users click, so this is expected, not
/// an error to show. Other errors, and PostgreSQL, pass straight through.
pub async fn retry_busy<T, F, Fut>(mut attempt: F) -> crate::error::ServiceResult<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = crate::error::ServiceResult<T>>,
{
    let mut delay = Duration::from_millis(5);
    for _ in 0..10 {
        match attempt().await {
            Err(crate::ServiceError::Storage(e)) if is_busy(&e) => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_millis(400));
            }
            other => return other,
        }
    }
    attempt().await
}

fn is_busy(err: &sea_orm::DbErr) -> bool {
    let text = err.to_string();
    text.contains("database is locked")
        || text.contains("(code: 5)")
        || text.contains("(code: 517)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::ConnectionTrait;

    #[test]
    fn in_memory_urls_have_no_file() {
        assert_eq!(
            sqlite_file("sqlite://data/app.db?mode=rwc"),
            Some("data/app.db")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("sqlite://:memory:"), None);
        assert_eq!(
            sqlite_file("sqlite://shared.db?mode=memory&cache=shared"),
            None
        );
        assert_eq!(sqlite_file("postgres://localhost/test"), None);
    }

    /// Migrated on its own connection, a file database keeps its schema for the pool;
    /// an in-memory one is migrated on the pool that keeps it.
    #[tokio::test]
    async fn every_kind_of_sqlite_url_opens_migrated() {
        let dir = std::env::temp_dir().join(format!("mc-db-{}", std::process::id()));
        let file = format!("sqlite://{}/app.db?mode=rwc", dir.display());
        for url in [file.as_str(), "sqlite::memory:"] {
            let db = connect_and_migrate(url).await.unwrap();
            let read = db
                .execute_unprepared("SELECT COUNT(*) FROM message_actions WHERE copy_sent")
                .await;
            assert!(read.is_ok(), "{url}: {read:?}");
        }
        std::fs::remove_dir_all(dir).ok();
    }
}
