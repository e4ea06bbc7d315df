//! Short leases, on SQLite and PostgreSQL, with a fake sync whose runs last until the test
//! lets them end: the heartbeat keeps a long run's lease alive while the claim loop
//! sleeps; a crashed holder's mailbox is taken over as soon as its lease lapses (Sync now
//! included); a clean shutdown finishes what it can within its grace, cancels the rest
//! and gives their leases back; a run whose lease was taken over is stopped.

use crate::common;

use common::{schedule_fixtures::due_mailboxes, wait::wait_until};
use domain::Plan;
use futures_util::future::BoxFuture;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, sea_query::Expr};
use services::{
    entities::mailbox,
    sync::{Scheduler, SchedulerConfig, SchedulerHandle, SyncRunner, SyncWaker, schedule},
};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::sync::Semaphore;

/// Runs that last until their mailbox's gate opens; counts starts and cancelled runs.
#[derive(Default)]
struct Gated {
    started: Mutex<HashMap<i64, u32>>,
    cancelled: Mutex<HashMap<i64, u32>>,
    gates: Mutex<HashMap<i64, Arc<Semaphore>>>,
}

impl Gated {
    fn gate(&self, id: i64) -> Arc<Semaphore> {
        self.gates
            .lock()
            .unwrap()
            .entry(id)
            .or_insert_with(|| Arc::new(Semaphore::new(0)))
            .clone()
    }

    /// Lets every run of `id`, present and future, end.
    fn open(&self, id: i64) {
        self.gate(id).add_permits(1000);
    }

    fn started(&self, id: i64) -> u32 {
        self.started.lock().unwrap().get(&id).copied().unwrap_or(0)
    }

    fn cancelled(&self, id: i64) -> u32 {
        self.cancelled
            .lock()
            .unwrap()
            .get(&id)
            .copied()
            .unwrap_or(0)
    }
}

/// Counts a run as cancelled when it is dropped before its gate opened.
struct Unfinished {
    gated: Arc<Gated>,
    id: i64,
    finished: bool,
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        if !self.finished {
            *self
                .gated
                .cancelled
                .lock()
                .unwrap()
                .entry(self.id)
                .or_default() += 1;
        }
    }
}

struct Runner(Arc<Gated>);

impl SyncRunner for Runner {
    fn run(&self, id: i64) -> BoxFuture<'static, schedule::Outcome> {
        let gated = self.0.clone();
        Box::pin(async move {
            *gated.started.lock().unwrap().entry(id).or_default() += 1;
            let mut unfinished = Unfinished {
                gated: gated.clone(),
                id,
                finished: false,
            };
            let gate = gated.gate(id);
            let _permit = gate.acquire().await;
            unfinished.finished = true;
            schedule::Outcome::Synced
        })
    }
}

fn spawn(
    db: &DatabaseConnection,
    owner: &str,
    gated: &Arc<Gated>,
    config: SchedulerConfig,
    waker: &SyncWaker,
) -> SchedulerHandle {
    Scheduler::new(
        db.clone(),
        owner.into(),
        Arc::new(Runner(gated.clone())),
        config,
        waker.clone(),
    )
    .spawn()
}

async fn row(db: &DatabaseConnection, id: i64) -> mailbox::Model {
    mailbox::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn the_heartbeat_keeps_a_long_run_leased_while_the_claim_loop_sleeps() {
    for t in common::databases().await {
        let id = due_mailboxes(&t.db, 1, Plan::Professional).await[0];
        let gated = Arc::new(Gated::default());
        let waker = SyncWaker::default();
        // Full after one claim and a 120 s poll: the claim loop sleeps the whole time, so
        // only the heartbeat's own timer can keep the 2 s lease alive.
        let holder = spawn(
            &t.db,
            "holder",
            &gated,
            SchedulerConfig {
                concurrency: 1,
                lease: Duration::from_secs(2),
                renew_every: Duration::from_millis(250),
                poll: Duration::from_secs(120),
                ..SchedulerConfig::default()
            },
            &waker,
        );
        let started = wait_until(Duration::from_secs(10), || async { gated.started(id) == 1 });
        assert!(started.await.is_some(), "{}: the run started", t.backend);
        let rival = spawn(
            &t.db,
            "rival",
            &gated,
            SchedulerConfig {
                poll: Duration::from_millis(20),
                lease: Duration::from_secs(2),
                ..SchedulerConfig::default()
            },
            &SyncWaker::default(),
        );
        // Eight renewals seen in the database (over twice the lease), each moving it on.
        let mut seen = row(&t.db, id).await.lease_until.unwrap();
        for n in 0..8 {
            let renewed = wait_until(Duration::from_secs(5), || async {
                row(&t.db, id).await.lease_until.is_some_and(|u| u > seen)
            })
            .await;
            assert!(renewed.is_some(), "{}: renewal {n} missing", t.backend);
            seen = row(&t.db, id).await.lease_until.unwrap();
        }
        let now = row(&t.db, id).await;
        assert_eq!(now.lease_owner.as_deref(), Some("holder"), "{}", t.backend);
        assert_eq!(
            gated.started(id),
            1,
            "{}: the rival never ran it",
            t.backend
        );
        gated.open(id);
        let done = wait_until(Duration::from_secs(10), || async {
            row(&t.db, id).await.last_sync_at.is_some()
        });
        assert!(done.await.is_some(), "{}", t.backend);
        holder.abort();
        rival.abort();
        assert_eq!(gated.started(id), 1, "{}: ran once", t.backend);
    }
}

#[tokio::test]
async fn a_crashed_holders_mailbox_is_taken_over_when_its_lease_lapses() {
    for t in common::databases().await {
        let id = due_mailboxes(&t.db, 1, Plan::Professional).await[0];
        let gated = Arc::new(Gated::default());
        let lease = Duration::from_secs(2);
        let config = SchedulerConfig {
            concurrency: 1,
            lease,
            renew_every: Duration::from_millis(500),
            // Only the lease's lapse time can explain a takeover within the bound below.
            poll: Duration::from_secs(120),
            ..SchedulerConfig::default()
        };
        let crashed = spawn(
            &t.db,
            "crashed",
            &gated,
            config.clone(),
            &SyncWaker::default(),
        );
        let started = wait_until(Duration::from_secs(10), || async { gated.started(id) == 1 });
        assert!(started.await.is_some(), "{}", t.backend);
        // A crash: everything stops, nothing is given back.
        crashed.abort();
        let _ = crashed.await;
        let killed_at = Instant::now();
        let lease_left = (row(&t.db, id).await.lease_until.unwrap() - chrono::Utc::now())
            .to_std()
            .unwrap_or_default();
        // The user presses Sync now; another process's scheduler is woken.
        assert!(schedule::sync_now(&t.db, id).await.unwrap());
        let waker = SyncWaker::default();
        let next = spawn(&t.db, "next", &gated, config, &waker);
        waker.wake();
        let taken = wait_until(Duration::from_secs(15), || async { gated.started(id) == 2 }).await;
        let taken = taken.map(|_| killed_at.elapsed());
        assert!(
            taken.is_some(),
            "{}: not taken over within 15 s of the crash",
            t.backend
        );
        eprintln!(
            "{}: lease had {lease_left:?} left at the crash; taken over {:?} after it",
            t.backend,
            taken.unwrap()
        );
        assert!(
            taken.unwrap() >= lease_left,
            "{}: not before the lapse",
            t.backend
        );
        assert_eq!(
            row(&t.db, id).await.lease_owner.as_deref(),
            Some("next"),
            "{}",
            t.backend
        );
        gated.open(id);
        let done = wait_until(Duration::from_secs(10), || async {
            row(&t.db, id).await.last_sync_at.is_some()
        });
        assert!(done.await.is_some(), "{}", t.backend);
        next.abort();
    }
}

#[tokio::test]
async fn a_clean_shutdown_finishes_what_it_can_and_gives_the_rest_back() {
    for t in common::databases().await {
        let ids = due_mailboxes(&t.db, 2, Plan::Professional).await;
        let (quick, stuck) = (ids[0], ids[1]);
        let gated = Arc::new(Gated::default());
        let grace = Duration::from_secs(2);
        let config = SchedulerConfig {
            concurrency: 2,
            poll: Duration::from_secs(120),
            shutdown_grace: grace,
            ..SchedulerConfig::default()
        };
        let first = spawn(
            &t.db,
            "first",
            &gated,
            config.clone(),
            &SyncWaker::default(),
        );
        let both = wait_until(Duration::from_secs(10), || async {
            gated.started(quick) == 1 && gated.started(stuck) == 1
        });
        assert!(both.await.is_some(), "{}", t.backend);
        let begun = Instant::now();
        let stopping = tokio::spawn(first.shutdown());
        // One run reaches its end during the grace; the other never would.
        gated.open(quick);
        let report = stopping.await.unwrap();
        let took = begun.elapsed();
        eprintln!("{}: shutdown took {took:?}, {report:?}", t.backend);
        assert_eq!(report.cancelled, vec![stuck], "{}", t.backend);
        assert!(
            took < grace + Duration::from_secs(3),
            "{}: bounded",
            t.backend
        );
        assert_eq!(gated.cancelled(stuck), 1, "{}", t.backend);
        assert_eq!(gated.cancelled(quick), 0, "{}", t.backend);
        let done = row(&t.db, quick).await;
        assert!(done.last_sync_at.is_some() && done.lease_owner.is_none());
        assert!(done.next_sync_at.unwrap() > chrono::Utc::now() + chrono::Duration::minutes(4));
        let given_back = row(&t.db, stuck).await;
        assert!(given_back.lease_owner.is_none() && given_back.lease_until.is_none());
        assert!(given_back.last_sync_at.is_none());
        assert!(
            given_back.next_sync_at.unwrap() <= chrono::Utc::now(),
            "due at once"
        );
        // The restarted process takes it at once (its poll is 120 s).
        let waker = SyncWaker::default();
        let second = spawn(&t.db, "second", &gated, config, &waker);
        let resumed = wait_until(Duration::from_secs(10), || async {
            gated.started(stuck) == 2
        })
        .await;
        assert!(resumed.is_some(), "{}: resumed at once", t.backend);
        eprintln!(
            "{}: resumed {:?} after the restart",
            t.backend,
            resumed.unwrap()
        );
        gated.open(stuck);
        let done = wait_until(Duration::from_secs(10), || async {
            row(&t.db, stuck).await.last_sync_at.is_some()
        });
        assert!(done.await.is_some(), "{}", t.backend);
        second.abort();
    }
}

#[tokio::test]
async fn a_run_whose_lease_was_taken_over_is_stopped() {
    for t in common::databases().await {
        let id = due_mailboxes(&t.db, 1, Plan::Professional).await[0];
        let gated = Arc::new(Gated::default());
        let holder = spawn(
            &t.db,
            "stalled",
            &gated,
            SchedulerConfig {
                concurrency: 1,
                renew_every: Duration::from_millis(100),
                poll: Duration::from_secs(120),
                ..SchedulerConfig::default()
            },
            &SyncWaker::default(),
        );
        let started = wait_until(Duration::from_secs(10), || async { gated.started(id) == 1 });
        assert!(started.await.is_some(), "{}", t.backend);
        // What another process does after this one stalled past its lease.
        mailbox::Entity::update_many()
            .col_expr(mailbox::Column::LeaseOwner, Expr::value("thief"))
            .filter(mailbox::Column::Id.eq(id))
            .exec(&t.db)
            .await
            .unwrap();
        let stopped = wait_until(Duration::from_secs(10), || async {
            gated.cancelled(id) == 1
        });
        assert!(
            stopped.await.is_some(),
            "{}: the run was stopped",
            t.backend
        );
        let after = row(&t.db, id).await;
        assert_eq!(after.lease_owner.as_deref(), Some("thief"), "{}", t.backend);
        assert!(
            after.last_sync_at.is_none(),
            "{}: no outcome recorded",
            t.backend
        );
        holder.abort();
    }
}
