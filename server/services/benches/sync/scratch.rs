//! A throwaway PostgreSQL database for the benchmarks that need one (growth, scale-out).

use super::common::postgres_admin_url;
use sea_orm::{ConnectionTrait, Database};

/// A throwaway PostgreSQL database `mc_bench_*`, dropped when this goes out of scope
/// (outside a runtime). Both the child and the coordinator hold one for the same name, so
/// it is dropped even when the child is killed.
pub struct PgScratch {
    admin_url: String,
    pub name: String,
}

impl PgScratch {
    pub fn new(name: Option<&str>) -> PgScratch {
        let name = name.map_or_else(
            || format!("mc_bench_{}", uuid::Uuid::new_v4().simple()),
            str::to_owned,
        );
        assert!(
            name.starts_with("mc_bench_")
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "not a bench database name: {name}"
        );
        PgScratch {
            admin_url: postgres_admin_url(),
            name,
        }
    }

    pub fn url(&self) -> String {
        let base = self.admin_url.rsplit_once('/').map_or("", |(b, _)| b);
        format!("{base}/{}", self.name)
    }

    pub async fn create(&self) {
        let admin = Database::connect(&self.admin_url)
            .await
            .expect("PostgreSQL (TEST_POSTGRES_URL)");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {}", self.name))
            .await
            .expect("CREATE DATABASE");
        admin.close().await.ok();
    }
}

impl Drop for PgScratch {
    fn drop(&mut self) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            if let Ok(admin) = Database::connect(&self.admin_url).await {
                let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
                if let Err(err) = admin.execute_unprepared(&sql).await {
                    eprintln!("bench: could not drop {}: {err}", self.name);
                }
                admin.close().await.ok();
            }
        });
    }
}
