//! IMAP IDLE on a Professional mailbox against the real Dovecot, on SQLite and
//! PostgreSQL: new mail shows within seconds, long before the next scheduled run.

mod common;

use common::{mail_stack::stack, mailbox_fixtures::state, sync_fixtures::*};
use domain::Plan;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use services::{
    accounts::Actor,
    entities::{mailbox, message},
    plan,
    sync::{IdleConfig, IdleWatcher, Scheduler, SchedulerConfig, SyncWaker},
};
use std::{sync::Arc, time::Duration};

#[tokio::test]
async fn new_mail_arrives_within_seconds_on_professional() {
    let s = stack();
    let user = mail_user("idle");
    seed(&user, 5, "INBOX");
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let row = mailbox::Entity::find_by_id(id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        let owner = Actor::load(&t.db, row.owner_id).await.unwrap();
        plan::set_plan(&t.db, &owner, Plan::Professional)
            .await
            .unwrap();

        let engine = engine(&st);
        let waker = SyncWaker::default();
        let scheduler = Scheduler::new(
            t.db.clone(),
            format!("idle-test-{}", t.backend),
            Arc::new(engine.clone()),
            SchedulerConfig::default(),
            waker.clone(),
        )
        .spawn();
        let inbox = folder(&t.db, id, "INBOX").await.id;
        let count = || async {
            message::Entity::find()
                .filter(message::Column::FolderId.eq(inbox))
                .count(&t.db)
                .await
                .unwrap()
        };
        let on_server = server_view(&s, &user, "INBOX").await.len() as u64;
        let before = wait_for(|| async { count().await >= on_server }).await;
        assert!(before, "{}: the first sync ran", t.backend);
        let idle = IdleWatcher::new(
            engine.clone(),
            waker.clone(),
            IdleConfig {
                rescan: Duration::from_millis(200),
                ..IdleConfig::default()
            },
        )
        .spawn();
        // Let the watcher reach IDLE, then deliver mail from "outside".
        tokio::time::sleep(Duration::from_secs(1)).await;
        let next = mailbox::Entity::find_by_id(id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap()
            .next_sync_at
            .unwrap();
        assert!(
            next > chrono::Utc::now() + chrono::Duration::minutes(4),
            "next run is minutes away"
        );
        let start = std::time::Instant::now();
        seed(&user, 2, "INBOX");
        let arrived = wait_for(|| async { count().await >= on_server + 2 }).await;
        idle.abort();
        scheduler.abort();
        assert!(
            arrived,
            "{}: new mail did not arrive through IDLE",
            t.backend
        );
        eprintln!(
            "{}: new mail in the app {:?} after delivery",
            t.backend,
            start.elapsed()
        );
        assert_same(&st, &s, &user, id, "INBOX").await;
    }
}

/// Polls `done` every 100 ms for up to 15 s.
async fn wait_for<F, Fut>(done: F) -> bool
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..150 {
        if done().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}
