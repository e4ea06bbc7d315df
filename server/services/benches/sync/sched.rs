//! Figure 4: the scheduler with many mailboxes and a fake instant sync (no IMAP): one
//! process, SQLite, due times spread over a window: delay from due to start, CPU. The
//! fake sync and the plan mix are shared with figure 5 (`scaleout.rs`).

use super::{
    common::schedule_fixtures::mailboxes_due_at, cpu_seconds, percentile, runtime, work_dir,
};
use chrono::{DateTime, Utc};
use domain::Plan;
use futures_util::future::BoxFuture;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use services::{
    entities::mailbox,
    sync::{Scheduler, SchedulerConfig, SyncRunner, SyncWaker, schedule::Outcome},
};
use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// Mailboxes per plan: 30 % Free, 40 % Standard, 30 % Professional.
pub(crate) fn mix(n: usize) -> [(Plan, usize); 3] {
    let free = n * 3 / 10;
    let standard = n * 4 / 10;
    [
        (Plan::Free, free),
        (Plan::Standard, standard),
        (Plan::Professional, n - free - standard),
    ]
}

pub(crate) fn mix_text(n: usize) -> String {
    mix(n)
        .iter()
        .map(|(plan, k)| format!("{plan:?} {k}"))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Runs as (mailbox, start, end).
pub(crate) type RunLog = Arc<Mutex<Vec<(i64, DateTime<Utc>, DateTime<Utc>)>>>;

/// A sync that does nothing: records when it started (and ended) and succeeds.
pub(crate) struct FastRunner(pub(crate) RunLog);

impl SyncRunner for FastRunner {
    fn run(&self, id: i64) -> BoxFuture<'static, Outcome> {
        let log = self.0.clone();
        Box::pin(async move {
            let start = Utc::now();
            tokio::task::yield_now().await;
            let end = Utc::now();
            log.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((id, start, end));
            Outcome::Synced
        })
    }
}

pub(crate) async fn count_where(db: &DatabaseConnection, filter: sea_orm::Condition) -> u64 {
    mailbox::Entity::find()
        .filter(filter)
        .count(db)
        .await
        .expect("count mailboxes")
}

pub(crate) fn synced() -> sea_orm::Condition {
    sea_orm::Condition::all().add(mailbox::Column::LastSyncAt.is_not_null())
}

pub(crate) fn leased() -> sea_orm::Condition {
    sea_orm::Condition::all().add(mailbox::Column::LeaseOwner.is_not_null())
}

/// Figure 4.
pub fn scheduler(n: usize, spread_s: usize) {
    runtime().block_on(async {
        let dir = work_dir("scheduler");
        let url = format!("sqlite://{}?mode=rwc", dir.join("mail.db").display());
        let db = services::db::connect_and_migrate(&url).await.expect("SQLite");
        let lead = chrono::Duration::seconds(5);
        let spread_us = (spread_s * 1_000_000) as f64;
        let base = Utc::now() + lead;
        let mut due = HashMap::new();
        for (k, (plan, count)) in mix(n).into_iter().enumerate() {
            // Each plan spread evenly over the window, the plans interleaved.
            let at = move |i: usize| {
                let frac = (i as f64 + k as f64 / 3.0) / count as f64;
                base + chrono::Duration::microseconds((frac * spread_us) as i64)
            };
            let ids = mailboxes_due_at(&db, count, plan, at).await;
            due.extend(ids.iter().enumerate().map(|(i, id)| (*id, at(i))));
        }
        assert_eq!(due.len(), n);
        let margin = (base - Utc::now()).num_milliseconds();
        assert!(margin > 0, "inserting took longer than the 5 s lead");

        let log = Arc::new(Mutex::new(Vec::new()));
        let config = SchedulerConfig::default();
        let concurrency = config.concurrency;
        let cpu0 = cpu_seconds();
        let t0 = Instant::now();
        let task = Scheduler::new(
            db.clone(),
            "bench-scheduler".into(),
            Arc::new(FastRunner(log.clone())),
            config,
            SyncWaker::default(),
        )
        .spawn();
        let limit = Duration::from_secs(5 + spread_s as u64 + 60);
        while count_where(&db, synced()).await < n as u64 && t0.elapsed() < limit {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let active_cpu = cpu_seconds() - cpu0;
        let active_wall = t0.elapsed().as_secs_f64();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle_window = 5.0;
        let cpu1 = cpu_seconds();
        tokio::time::sleep(Duration::from_secs_f64(idle_window)).await;
        let idle_cpu = cpu_seconds() - cpu1;
        task.abort();
        let _ = task.await;

        let runs = log.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let distinct: HashSet<i64> = runs.iter().map(|r| r.0).collect();
        let mut delays: Vec<f64> = runs
            .iter()
            .map(|(id, start, _)| (*start - due[id]).num_microseconds().unwrap_or(i64::MAX) as f64 / 1e3)
            .collect();
        delays.sort_by(f64::total_cmp);
        let starts: Vec<DateTime<Utc>> = runs.iter().map(|r| r.1).collect();
        let span = match (starts.iter().min(), starts.iter().max()) {
            (Some(a), Some(b)) => (*b - *a).num_microseconds().unwrap_or(0) as f64 / 1e6,
            _ => f64::NAN,
        };
        let synced_n = count_where(&db, synced()).await;
        let leases = count_where(&db, leased()).await;
        db.close().await.ok();
        let _ = std::fs::remove_dir_all(&dir);

        println!(
            "4. Scheduler: {n} mailboxes ({}) in SQLite, due over {spread_s} s, fake instant sync, \
             production config (concurrency {concurrency}, poll 15 s)",
            mix_text(n)
        );
        println!(
            "   ran {} of {n} ({} distinct; {synced_n} recorded as synced, {leases} leases left) in {active_wall:.1} s",
            runs.len(),
            distinct.len()
        );
        println!(
            "   delay due -> start: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms, min {:.1} ms",
            percentile(&delays, 50.0),
            percentile(&delays, 90.0),
            percentile(&delays, 99.0),
            delays.last().copied().unwrap_or(f64::NAN),
            delays.first().copied().unwrap_or(f64::NAN),
        );
        println!(
            "   runs started at {:.0}/s (first to last start) against {:.0}/s falling due",
            runs.len() as f64 / span,
            n as f64 / spread_s as f64
        );
        println!(
            "   CPU of the process: {:.1} % of one core while runs fell due ({active_cpu:.2} s CPU in {active_wall:.1} s); \
             idle afterwards {:.2} % ({idle_cpu:.2} s CPU in {idle_window:.0} s)",
            100.0 * active_cpu / active_wall,
            100.0 * idle_cpu / idle_window,
        );
    });
}
