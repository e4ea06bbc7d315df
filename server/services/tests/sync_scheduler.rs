//! The scheduler task with a fake sync (no IMAP), on SQLite and PostgreSQL: bounded
//! concurrency, two processes on one database never run a mailbox twice at once and serve
//! every due one, and a wake-up starts a **Sync now** at once.

use crate::common;

use common::schedule_fixtures::due_mailboxes;
use domain::Plan;
use futures_util::future::BoxFuture;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use services::{
    entities::mailbox,
    sync::{Scheduler, SchedulerConfig, SyncRunner, SyncWaker, schedule},
};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

/// Records every run: how many ran at once, and any mailbox run twice at the same time.
#[derive(Default)]
struct FakeSync {
    state: Mutex<FakeState>,
}

#[derive(Default)]
struct FakeState {
    active: HashMap<i64, u32>,
    running: usize,
    peak: usize,
    overlaps: u32,
    runs: HashMap<i64, u32>,
}

struct Runner(Arc<FakeSync>);

impl SyncRunner for Runner {
    fn run(&self, id: i64) -> BoxFuture<'static, schedule::Outcome> {
        let fake = self.0.clone();
        Box::pin(async move {
            {
                let mut s = fake.state.lock().unwrap();
                let n = s.active.entry(id).or_default();
                *n += 1;
                if *n > 1 {
                    s.overlaps += 1;
                }
                s.running += 1;
                s.peak = s.peak.max(s.running);
                *s.runs.entry(id).or_default() += 1;
            }
            // Not a wait for anything: the fake run's own length, so that a second run of
            // the same mailbox started meanwhile (by either scheduler) shows as an overlap.
            tokio::time::sleep(Duration::from_millis(15)).await;
            let mut s = fake.state.lock().unwrap();
            *s.active.get_mut(&id).unwrap() -= 1;
            s.running -= 1;
            schedule::Outcome::Synced
        })
    }
}

fn scheduler(
    db: &DatabaseConnection,
    owner: &str,
    fake: &Arc<FakeSync>,
    config: SchedulerConfig,
    waker: SyncWaker,
) -> Scheduler {
    Scheduler::new(
        db.clone(),
        owner.into(),
        Arc::new(Runner(fake.clone())),
        config,
        waker,
    )
}

/// `concurrency` runs at once, a short lease and a quick poll.
fn quick(concurrency: usize) -> SchedulerConfig {
    SchedulerConfig {
        concurrency,
        poll: Duration::from_millis(200),
        ..SchedulerConfig::default()
    }
}

async fn synced(db: &DatabaseConnection, ids: &[i64]) -> u64 {
    mailbox::Entity::find()
        .filter(mailbox::Column::Id.is_in(ids.iter().copied()))
        .filter(mailbox::Column::LastSyncAt.is_not_null())
        .count(db)
        .await
        .unwrap()
}

async fn wait_all_synced(db: &DatabaseConnection, ids: &[i64]) {
    let all = ids.len() as u64;
    common::wait::wait_for(
        Duration::from_secs(30),
        Duration::from_millis(100),
        || async { (synced(db, ids).await == all).then_some(()) },
    )
    .await
    .expect("every mailbox synced within 30 s");
}

#[tokio::test]
async fn two_schedulers_on_one_database_serve_every_mailbox_once_at_a_time() {
    for t in common::databases().await {
        let ids = due_mailboxes(&t.db, 80, Plan::Professional).await;
        let fake = Arc::new(FakeSync::default());
        let a = scheduler(&t.db, "proc-a", &fake, quick(3), SyncWaker::default()).spawn();
        let b = scheduler(&t.db, "proc-b", &fake, quick(3), SyncWaker::default()).spawn();
        wait_all_synced(&t.db, &ids).await;
        a.abort();
        b.abort();
        {
            let s = fake.state.lock().unwrap();
            assert_eq!(s.overlaps, 0, "{}: a mailbox ran twice at once", t.backend);
            assert!(
                s.peak <= 6,
                "{}: at most 3 per process, saw {}",
                t.backend,
                s.peak
            );
            assert!(
                s.peak >= 2,
                "{}: the two processes worked in parallel",
                t.backend
            );
            // Synced means next run in 5 minutes (Professional): each ran exactly once.
            assert!(
                ids.iter().all(|id| s.runs.get(id) == Some(&1)),
                "{}",
                t.backend
            );
        }
        let rows = mailbox::Entity::find()
            .filter(mailbox::Column::Id.is_in(ids.iter().copied()))
            .all(&t.db)
            .await
            .unwrap();
        assert!(
            rows.iter()
                .all(|r| r.lease_owner.is_none() && r.status == domain::MailboxStatus::Ready)
        );
    }
}

#[tokio::test]
async fn sync_now_wakes_the_scheduler_at_once() {
    for t in common::databases().await {
        let ids = due_mailboxes(&t.db, 3, Plan::Free).await;
        let fake = Arc::new(FakeSync::default());
        let waker = SyncWaker::default();
        // A poll so long that only a wake-up can explain a quick start.
        let sched = scheduler(
            &t.db,
            "proc-w",
            &fake,
            SchedulerConfig {
                concurrency: 2,
                poll: Duration::from_secs(120),
                ..SchedulerConfig::default()
            },
            waker.clone(),
        );
        let task = sched.spawn();
        wait_all_synced(&t.db, &ids).await;
        // Free plan: next run in an hour, poll 120 s: only the wake-up can start it within
        // the 10 s bound (it takes milliseconds).
        schedule::sync_now(&t.db, ids[0]).await.unwrap();
        waker.wake();
        let ran = common::wait::wait_until(Duration::from_secs(10), || async {
            fake.state.lock().unwrap().runs.get(&ids[0]) == Some(&2)
        })
        .await;
        task.abort();
        let ran =
            ran.unwrap_or_else(|| panic!("{}: Sync now did not start within 10 s", t.backend));
        eprintln!("{}: Sync now started after {ran:?}", t.backend);
        assert_eq!(fake.state.lock().unwrap().runs.get(&ids[1]), Some(&1));
    }
}
