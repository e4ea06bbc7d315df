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

/// A request that loaded a session before another signed it out (or cycled its id) must not
/// write it back when it saves: `save` only updates.
#[tokio::test]
async fn a_deleted_session_stays_deleted_when_an_earlier_request_saves_it() {
    for t in common::databases().await {
        let store = DbSessionStore::new(t.db.clone());
        let mut live = record(time::Duration::hours(1));
        store.create(&mut live).await.unwrap();
        let loaded_before = store.load(&live.id).await.unwrap().expect(t.backend);
        store.delete(&live.id).await.unwrap();
        store.save(&loaded_before).await.unwrap();
        assert!(
            store.load(&live.id).await.unwrap().is_none(),
            "{}: a signed-out session came back",
            t.backend
        );
    }
}

/// `create` never overwrites another session: a taken id is replaced by a fresh one.
#[tokio::test]
async fn create_draws_a_new_id_when_the_id_is_taken() {
    for t in common::databases().await {
        let store = DbSessionStore::new(t.db.clone());
        let mut first = record(time::Duration::hours(1));
        store.create(&mut first).await.unwrap();
        let mut second = record(time::Duration::hours(1));
        second.id = first.id;
        second.data.insert("user_id".into(), serde_json::json!(7));
        store.create(&mut second).await.unwrap();
        assert_ne!(second.id, first.id, "{}", t.backend);
        let first_now = store.load(&first.id).await.unwrap().expect(t.backend);
        assert_eq!(first_now.data["user_id"], 42, "{}", t.backend);
        let second_now = store.load(&second.id).await.unwrap().expect(t.backend);
        assert_eq!(second_now.data["user_id"], 7, "{}", t.backend);
    }
}
