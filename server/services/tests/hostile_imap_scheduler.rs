//! A server that stops answering cannot stall everyone: with one sync slot
//! (`SYNC_CONCURRENCY=1`), the run on a silent server ends by its deadline, an honest
//! mailbox (the real Dovecot) connected after it is synced meanwhile, and the scheduler
//! keeps claiming afterwards. SQLite and PostgreSQL.

use crate::common;
use crate::fake_imap;

use chrono::Utc;
use common::{
    hostile_mailbox::hostile_mailbox,
    mail_stack::stack,
    mailbox_fixtures::state,
    sync_fixtures::{connected, engine, mail_user, seed},
    wait::wait_until,
};
use domain::MailboxStatus;
use fake_imap::{Behaviour, Bodies};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, sea_query::Expr};
use services::{
    entities::{mailbox, message},
    sync::{Scheduler, SchedulerConfig, SyncWaker},
};
use std::{sync::Arc, time::Duration};

async fn row(db: &DatabaseConnection, id: i64) -> mailbox::Model {
    mailbox::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_silent_server_holds_its_slot_only_until_the_run_deadline() {
    let s = stack();
    let user = mail_user("patient");
    seed(&user, 5, "INBOX");
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let fake = fake_imap::start(
            &s.ca,
            Behaviour {
                bodies: Bodies::Silent,
                ..Behaviour::default()
            },
        )
        .await;
        // The hostile mailbox first: it falls due first and takes the only slot.
        let hostile = hostile_mailbox(&st, &s, fake.port).await;
        let honest = connected(&st, &s, &user, &["INBOX"]).await;
        assert!(row(&t.db, hostile).await.next_sync_at < row(&t.db, honest).await.next_sync_at);
        let deadline = Duration::from_secs(3);
        let mut engine = engine(&st);
        engine.limits.run_deadline = deadline;
        // Longer than the deadline: the deadline is what ends this run.
        engine.limits.read_timeout = Duration::from_secs(120);
        let waker = SyncWaker::default();
        let scheduler = Scheduler::new(
            t.db.clone(),
            format!("hostile-{}", t.backend),
            Arc::new(engine),
            SchedulerConfig {
                concurrency: 1,
                poll: Duration::from_millis(200),
                ..SchedulerConfig::default()
            },
            waker.clone(),
        )
        .spawn();

        let failed = wait_until(Duration::from_secs(30), || async {
            row(&t.db, hostile).await.status == MailboxStatus::Failing
        })
        .await
        .expect("the silent server's run ended");
        let hostile_row = row(&t.db, hostile).await;
        let error = hostile_row.last_error.clone().unwrap_or_default();
        assert!(error.contains("time limit"), "{error}");
        assert!(failed < deadline + Duration::from_secs(3), "{failed:?}");

        let synced = wait_until(Duration::from_secs(60), || async {
            row(&t.db, honest).await.status == MailboxStatus::Ready
        })
        .await
        .expect("the honest mailbox synced meanwhile");
        let stored = message::Entity::find()
            .filter(message::Column::MailboxId.eq(honest))
            .all(&t.db)
            .await
            .unwrap();
        assert_eq!(stored.len(), 5, "{}", t.backend);
        eprintln!(
            "figures {}: silent run ended after {} ms (deadline {} ms), honest mailbox ready {} ms after the start",
            t.backend,
            failed.as_millis(),
            deadline.as_millis(),
            (failed + synced).as_millis()
        );

        // The scheduler still claims: the honest mailbox, due again, runs again.
        let first_sync = row(&t.db, honest).await.last_sync_at;
        mailbox::Entity::update_many()
            .col_expr(mailbox::Column::NextSyncAt, Expr::value(Utc::now()))
            .filter(mailbox::Column::Id.eq(honest))
            .exec(&t.db)
            .await
            .unwrap();
        waker.wake();
        let again = wait_until(Duration::from_secs(30), || async {
            let r = row(&t.db, honest).await;
            r.last_sync_at > first_sync && r.status == MailboxStatus::Ready
        })
        .await;
        assert!(
            again.is_some(),
            "{}: the scheduler claimed again",
            t.backend
        );
        scheduler.abort();
    }
}
