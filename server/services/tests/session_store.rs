//! The tower-sessions store on SQLite and PostgreSQL.

use crate::common;

use services::session_store::DbSessionStore;
use std::collections::HashMap;
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store::ExpiredDeletion,
};

fn record(expires_in: time::Duration) -> Record {
    let mut data = HashMap::new();
    data.insert("user_id".to_owned(), serde_json::json!(42));
    Record {
        id: Id::default(),
        data,
        expiry_date: time::OffsetDateTime::now_utc() + expires_in,
    }
}

#[tokio::test]
async fn saves_loads_updates_expires_and_deletes() {
    for t in common::databases().await {
        let store = DbSessionStore::new(t.db.clone());
        let mut live = record(time::Duration::hours(1));
        store.create(&mut live).await.unwrap();
        let loaded = store.load(&live.id).await.unwrap().expect(t.backend);
        assert_eq!(loaded.data["user_id"], 42);

        live.data.insert("user_id".into(), serde_json::json!(7));
        store.save(&live).await.unwrap();
        assert_eq!(
            store.load(&live.id).await.unwrap().unwrap().data["user_id"],
            7
        );

        let mut old = record(time::Duration::seconds(-5));
        store.create(&mut old).await.unwrap();
        assert!(
            store.load(&old.id).await.unwrap().is_none(),
            "{}: expired session loaded",
            t.backend
        );
        store.delete_expired().await.unwrap();

        store.delete(&live.id).await.unwrap();
        assert!(store.load(&live.id).await.unwrap().is_none());
    }
}
