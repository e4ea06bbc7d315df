//! IMAP IDLE on Professional mailboxes against the real Dovecot, on SQLite and PostgreSQL,
//! with the watcher's default 60 s rescan (so nothing here can be explained by it): mail
//! delivered right after the first sync is listed within seconds; a plan upgrade starts
//! watching at once; a watcher that starts late (a restart) catches up on mail that came
//! while nobody listened. Latencies are printed.

use crate::common;

use chrono::Utc;
use common::{
    mail_stack::{Stack, stack},
    mailbox_fixtures::{admin, request, settings, state},
    sync_fixtures::*,
    wait::wait_until,
};
use domain::{Access, Plan, SyncPeriod};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use services::{
    AppState,
    accounts::Actor,
    entities::{mailbox, message},
    mailboxes, plan,
    sync::{IdleConfig, IdleWatcher, Scheduler, SchedulerConfig, SchedulerHandle},
};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

/// Bound on every wait below; the goal is 2 s, the rescan 60 s.
const BOUND: Duration = Duration::from_secs(15);

struct Sync {
    scheduler: SchedulerHandle,
    idle: Option<tokio::task::JoinHandle<()>>,
    probe: services::sync::IdleProbe,
}

impl Sync {
    fn stop(self) {
        self.scheduler.abort();
        if let Some(idle) = self.idle {
            idle.abort();
        }
    }
}

/// This process's scheduler and (when `watch`) IDLE watcher, on the state's waker.
fn start_sync(st: &AppState, owner: &str, watch: bool) -> Sync {
    let engine = engine(st);
    let scheduler = Scheduler::new(
        st.db.clone(),
        owner.into(),
        Arc::new(engine.clone()),
        SchedulerConfig::default(),
        st.sync_waker.clone(),
    )
    .spawn();
    let watcher = IdleWatcher::new(engine, st.sync_waker.clone(), IdleConfig::default());
    let probe = watcher.probe();
    let idle = watch.then(|| watcher.spawn());
    Sync {
        scheduler,
        idle,
        probe,
    }
}

/// Connects `user`'s INBOX for a new workspace admin on `plan_name`.
async fn connect_on(st: &AppState, s: &Stack, user: &str, plan_name: Plan) -> (i64, Actor) {
    let owner = admin(&st.db, &format!("owner-{user}@acme.com")).await;
    plan::set_plan(&st.db, &owner, plan_name).await.unwrap();
    let draft = mailboxes::check_and_draft(st, &owner, request(s, user))
        .await
        .unwrap();
    let mut chosen = settings(Access::Personal, vec![]);
    chosen.folders = vec!["INBOX".into()];
    chosen.period = SyncPeriod::Month;
    let id = mailboxes::connect(st, &owner, &draft, chosen)
        .await
        .unwrap();
    (id, owner)
}

async fn first_sync_done(db: &DatabaseConnection, id: i64) -> bool {
    mailbox::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .is_some_and(|m| m.last_sync_at.is_some())
}

async fn listed(db: &DatabaseConnection, message_id: &str) -> bool {
    message::Entity::find()
        .filter(message::Column::MessageId.eq(message_id))
        .count(db)
        .await
        .unwrap()
        == 1
}

/// Delivers one message into INBOX as another client; returns its Message-ID (as stored:
/// without the angle brackets) once the server holds it.
async fn deliver(s: &Stack, user: &str, n: u32) -> String {
    let message_id = format!("<idle-{n}-{}@example.test>", uuid::Uuid::new_v4().simple());
    let raw = format!(
        "From: Sender <sender@example.test>\r\nTo: {user}@example.test\r\nSubject: push {n}\r\n\
         Date: {}\r\nMessage-ID: {message_id}\r\n\r\nNew mail {n}.\r\n",
        Utc::now().to_rfc2822()
    );
    let mut other = other_client(s, user).await;
    other
        .append("INBOX", None, None, raw.as_bytes())
        .await
        .unwrap();
    other.logout().await.ok();
    message_id.trim_matches(['<', '>']).to_owned()
}

/// Delivers and waits until the app lists it; the latency from delivery.
async fn delivered_and_listed(
    db: &DatabaseConnection,
    s: &Stack,
    user: &str,
    n: u32,
) -> Option<Duration> {
    let message_id = deliver(s, user, n).await;
    wait_until(BOUND, || listed(db, &message_id)).await
}

#[tokio::test]
async fn mail_delivered_right_after_the_first_sync_is_listed_within_seconds() {
    let s = stack();
    for t in common::databases().await {
        let user = mail_user("idle");
        seed(&user, 5, "INBOX");
        let st = state(t.db.clone(), &s);
        // Already running when the mailbox is connected, as in the server.
        let sync = start_sync(&st, &format!("idle-{}", t.backend), true);
        let (id, _) = connect_on(&st, &s, &user, Plan::Professional).await;
        let synced = wait_until(BOUND, || first_sync_done(&t.db, id)).await;
        assert!(synced.is_some(), "{}: the first sync ended", t.backend);
        // No wait for IDLE: it must already listen (or catch up) when the first sync ends.
        let mut latencies = Vec::new();
        for n in 1..=3 {
            let latency = delivered_and_listed(&t.db, &s, &user, n).await;
            assert!(
                latency.is_some(),
                "{}: message {n} not listed within {BOUND:?}",
                t.backend
            );
            latencies.push(latency.unwrap());
        }
        eprintln!(
            "{}: delivery → listed {latencies:?} (first right after the first sync ended); IDLE rounds {}",
            t.backend,
            sync.probe.rounds(id)
        );
        sync.stop();
        assert_same(&st, &s, &user, id, "INBOX").await;
    }
}

#[tokio::test]
async fn a_plan_upgrade_starts_watching_at_once() {
    let s = stack();
    for t in common::databases().await {
        let user = mail_user("upgrade");
        seed(&user, 3, "INBOX");
        let st = state(t.db.clone(), &s);
        let sync = start_sync(&st, &format!("upgrade-{}", t.backend), true);
        let (id, owner) = connect_on(&st, &s, &user, Plan::Standard).await;
        let synced = wait_until(BOUND, || first_sync_done(&t.db, id)).await;
        assert!(synced.is_some(), "{}", t.backend);
        assert_eq!(
            sync.probe.rounds(id),
            0,
            "{}: Standard has no IDLE",
            t.backend
        );
        // What the plan server function does: change the plan, wake this process.
        let upgraded = Instant::now();
        plan::set_plan(&t.db, &owner, Plan::Professional)
            .await
            .unwrap();
        st.sync_waker.wake();
        assert!(
            sync.probe.wait_rounds(id, 1, BOUND).await,
            "{}: IDLE did not start within {BOUND:?} of the upgrade",
            t.backend
        );
        let watching = upgraded.elapsed();
        let latency = delivered_and_listed(&t.db, &s, &user, 1).await;
        assert!(latency.is_some(), "{}: not listed", t.backend);
        eprintln!(
            "{}: IDLE {watching:?} after the upgrade; delivery → listed {:?}",
            t.backend,
            latency.unwrap()
        );
        sync.stop();
        assert_same(&st, &s, &user, id, "INBOX").await;
    }
}

#[tokio::test]
async fn a_watcher_that_starts_late_catches_up_on_mail_that_came_before() {
    let s = stack();
    for t in common::databases().await {
        let user = mail_user("late");
        seed(&user, 3, "INBOX");
        let st = state(t.db.clone(), &s);
        // A process without a watcher syncs the mailbox, then mail comes while nobody
        // listens and the next run is minutes away.
        let first = start_sync(&st, &format!("late-a-{}", t.backend), false);
        let (id, _) = connect_on(&st, &s, &user, Plan::Professional).await;
        assert!(
            wait_until(BOUND, || first_sync_done(&t.db, id))
                .await
                .is_some()
        );
        let next = mailbox::Entity::find_by_id(id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap()
            .next_sync_at
            .unwrap();
        assert!(
            next > Utc::now() + chrono::Duration::minutes(4),
            "minutes away"
        );
        let message_id = deliver(&s, &user, 1).await;
        first.stop();
        // The restarted process: its watcher compares INBOX with what is stored.
        let restarted = Instant::now();
        let second = start_sync(&st, &format!("late-b-{}", t.backend), true);
        let caught_up = wait_until(BOUND, || listed(&t.db, &message_id)).await;
        assert!(
            caught_up.is_some(),
            "{}: missed mail not caught up",
            t.backend
        );
        eprintln!(
            "{}: mail that came before the watcher listed {:?} after the restart",
            t.backend,
            restarted.elapsed()
        );
        second.stop();
        assert_same(&st, &s, &user, id, "INBOX").await;
    }
}
