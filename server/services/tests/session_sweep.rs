//! Expired sessions leave the database: in bounded batches, and on a timer the server
//! starts (`services::sweep`), on SQLite and PostgreSQL.

use crate::common;

use common::wait::wait_until;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, PaginatorTrait};
use services::{entities::session, session_store::DbSessionStore};
use std::time::Duration;

async fn insert(db: &DatabaseConnection, count: usize, expires_in: chrono::Duration) {
    let rows: Vec<session::ActiveModel> = (0..count)
        .map(|_| session::ActiveModel {
            id: Set(uuid::Uuid::new_v4().simple().to_string()),
            data: Set("{}".into()),
            expires_at: Set(chrono::Utc::now() + expires_in),
        })
        .collect();
    for chunk in rows.chunks(500) {
        session::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .unwrap();
    }
}

async fn count(db: &DatabaseConnection) -> u64 {
    session::Entity::find().count(db).await.unwrap()
}

#[tokio::test]
async fn expired_sessions_are_deleted_in_bounded_batches() {
    for t in common::databases().await {
        insert(&t.db, 2500, chrono::Duration::seconds(-60)).await;
        insert(&t.db, 3, chrono::Duration::hours(1)).await;
        let store = DbSessionStore::new(t.db.clone());
        // At most two batches of 1000 this time: the rest waits for the next sweep.
        assert_eq!(
            store.delete_expired_in_batches(1000, 2).await.unwrap(),
            2000,
            "{}",
            t.backend
        );
        assert_eq!(count(&t.db).await, 503);
        assert_eq!(
            store.delete_expired_in_batches(1000, 10).await.unwrap(),
            500
        );
        assert_eq!(
            count(&t.db).await,
            3,
            "{}: live sessions must stay",
            t.backend
        );
        assert_eq!(store.delete_expired_in_batches(1000, 10).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn the_sweeper_deletes_expired_sessions_on_its_timer() {
    for t in common::databases().await {
        let sweeper =
            DbSessionStore::new(t.db.clone()).spawn_sweeper(Duration::from_millis(50), 100);
        insert(&t.db, 2, chrono::Duration::hours(1)).await;
        // Sessions that expire after the sweeper started: a later tick must take them.
        insert(&t.db, 250, chrono::Duration::seconds(-1)).await;
        let swept = wait_until(Duration::from_secs(20), || async {
            count(&t.db).await <= 2
        })
        .await;
        assert!(
            swept.is_some(),
            "{}: expired sessions still there after 20 s",
            t.backend
        );
        assert_eq!(count(&t.db).await, 2, "{}", t.backend);
        sweeper.abort();
    }
}
