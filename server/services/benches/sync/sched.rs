//! Figures 4 and 5: the scheduler with many mailboxes and a fake instant sync (no IMAP).
//! 4: one process, SQLite, due times spread over a window: delay from due to start, CPU.
//! 5: several OS processes on one PostgreSQL: claims per second, and no mailbox run twice.

use super::{
    common::{postgres_admin_url, schedule_fixtures::mailboxes_due_at},
    cpu_seconds, met, percentile, runtime, work_dir,
};
use chrono::{DateTime, Utc};
use domain::Plan;
use futures_util::future::BoxFuture;
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter,
};
use services::{
    entities::mailbox,
    sync::{Scheduler, SchedulerConfig, SyncRunner, SyncWaker, schedule::Outcome},
};
use std::{
    collections::{HashMap, HashSet},
    io::Write,
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// Mailboxes per plan: 30 % Free, 40 % Standard, 30 % Professional.
fn mix(n: usize) -> [(Plan, usize); 3] {
    let free = n * 3 / 10;
    let standard = n * 4 / 10;
    [
        (Plan::Free, free),
        (Plan::Standard, standard),
        (Plan::Professional, n - free - standard),
    ]
}

fn mix_text(n: usize) -> String {
    mix(n)
        .iter()
        .map(|(plan, k)| format!("{plan:?} {k}"))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Runs as (mailbox, start, end).
type RunLog = Arc<Mutex<Vec<(i64, DateTime<Utc>, DateTime<Utc>)>>>;

/// A sync that does nothing: records when it started (and ended) and succeeds.
struct FastRunner(RunLog);

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

async fn count_where(db: &DatabaseConnection, filter: sea_orm::Condition) -> u64 {
    mailbox::Entity::find()
        .filter(filter)
        .count(db)
        .await
        .expect("count mailboxes")
}

fn synced() -> sea_orm::Condition {
    sea_orm::Condition::all().add(mailbox::Column::LastSyncAt.is_not_null())
}

fn leased() -> sea_orm::Condition {
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

/// A throwaway PostgreSQL database, dropped when this goes out of scope (outside a runtime).
struct PgScratch {
    admin_url: String,
    name: String,
}

impl PgScratch {
    fn url(&self) -> String {
        let base = self.admin_url.rsplit_once('/').map_or("", |(b, _)| b);
        format!("{base}/{}", self.name)
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

/// What one scale-out run saw.
struct ScaleOut {
    insert_s: f64,
    span_s: f64,
    wall_s: f64,
    runs: usize,
    per_proc: Vec<usize>,
    served: usize,
    all: usize,
    twice: usize,
    overlaps: usize,
    missing: usize,
    strangers: usize,
    synced: u64,
    leases: u64,
    failed: usize,
}

impl ScaleOut {
    fn rate(&self) -> f64 {
        self.runs as f64 / self.span_s
    }

    fn clean(&self) -> bool {
        self.failed == 0
            && self.twice == 0
            && self.overlaps == 0
            && self.missing == 0
            && self.strangers == 0
            && self.leases == 0
    }
}

/// Figure 5: `procs` processes on `n` mailboxes, against one process on `base_n` (the
/// same per-mailbox work, fewer mailboxes to keep the run short) measured just before.
pub fn scaleout(n: usize, procs: usize, base_n: usize) {
    let one = scaleout_run(base_n, 1);
    let many = scaleout_run(n, procs);
    println!(
        "5. Scale-out: {procs} OS processes share {n} mailboxes ({}) due at once on one PostgreSQL; \
         fake instant sync; production config (concurrency 4 each)",
        mix_text(n)
    );
    println!(
        "   inserted in {:.1} s; all served in {:.1} s (first start to last end; {:.1} s with process start and stop): \
         {:.0} claims/s overall",
        many.insert_s,
        many.span_s,
        many.wall_s,
        many.rate()
    );
    println!(
        "   baseline, 1 process on {base_n} mailboxes (same run): {:.0} claims/s -> {procs} processes / 1 = {:.2}x",
        one.rate(),
        many.rate() / one.rate()
    );
    println!(
        "   runs per process: {}",
        many.per_proc
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(" / ")
    );
    println!(
        "   runs {}, mailboxes served {} of {}, ran twice {}, overlapping runs {}, not served {}; \
         in the database: {} synced, {} leases left; workers failed {}",
        many.runs,
        many.served,
        many.all,
        many.twice,
        many.overlaps,
        many.missing,
        many.synced,
        many.leases,
        many.failed
    );
    println!(
        "   0 double claims and every mailbox served: {}",
        met(many.clean() && one.clean())
    );
}

/// Makes a database with `n` due mailboxes, starts `procs` worker processes, stops them
/// (closing their stdin) once every mailbox was synced, checks their logs, drops it.
fn scaleout_run(n: usize, procs: usize) -> ScaleOut {
    let deadline = Duration::from_secs(420);
    let scratch = PgScratch {
        admin_url: postgres_admin_url(),
        name: format!("mc_bench_{}", uuid::Uuid::new_v4().simple()),
    };
    let url = scratch.url();
    let rt = runtime();
    let (db, insert_s) = rt.block_on(async {
        let admin = Database::connect(&scratch.admin_url)
            .await
            .expect("PostgreSQL (TEST_POSTGRES_URL)");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {}", scratch.name))
            .await
            .expect("CREATE DATABASE");
        admin.close().await.ok();
        let db = services::db::connect_and_migrate(&url)
            .await
            .expect("migrate");
        let t = Instant::now();
        let due = Utc::now() - chrono::Duration::minutes(1);
        for (plan, count) in mix(n) {
            mailboxes_due_at(&db, count, plan, |_| due).await;
        }
        db.execute_unprepared("ANALYZE mailboxes").await.ok();
        (db, t.elapsed().as_secs_f64())
    });

    let dir = work_dir("scaleout");
    let exe = std::env::current_exe().expect("own path");
    let t0 = Instant::now();
    let mut children: Vec<Child> = (0..procs)
        .map(|i| {
            Command::new(&exe)
                .args([
                    "scaleout-worker",
                    &url,
                    &format!("bench-proc-{i}"),
                    &dir.join(format!("worker-{i}.log")).display().to_string(),
                    &deadline.as_secs().to_string(),
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
                .expect("worker process")
        })
        .collect();
    // One look every 200 ms from here, so the workers do nothing but schedule.
    rt.block_on(async {
        let unsynced = sea_orm::Condition::all().add(mailbox::Column::LastSyncAt.is_null());
        while t0.elapsed() < deadline {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let left = mailbox::Entity::find()
                .filter(unsynced.clone())
                .one(&db)
                .await
                .expect("unsynced mailboxes");
            if left.is_none() {
                break;
            }
        }
    });
    for child in &mut children {
        drop(child.stdin.take());
    }
    let mut failed = 0;
    for child in &mut children {
        loop {
            match child.try_wait().expect("wait") {
                Some(status) => {
                    failed += usize::from(!status.success());
                    break;
                }
                None if t0.elapsed() > deadline + Duration::from_secs(30) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    failed += 1;
                    break;
                }
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }
    let wall_s = t0.elapsed().as_secs_f64();

    // Every run of every process: (mailbox, start µs, end µs).
    let mut runs: Vec<(i64, u64, u64)> = Vec::new();
    let mut per_proc = vec![0usize; procs];
    for (p, count) in per_proc.iter_mut().enumerate() {
        let text = std::fs::read_to_string(dir.join(format!("worker-{p}.log"))).unwrap_or_default();
        for line in text.lines() {
            let f: Vec<u64> = line.split(' ').filter_map(|v| v.parse().ok()).collect();
            if let [id, start, end] = f[..] {
                runs.push((id as i64, start, end));
                *count += 1;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    runs.sort_unstable();
    let mut twice = 0usize;
    let mut overlaps = 0usize;
    for pair in runs.windows(2) {
        if pair[0].0 == pair[1].0 {
            twice += 1;
            if pair[1].1 < pair[0].2 {
                overlaps += 1;
            }
        }
    }
    let served: HashSet<i64> = runs.iter().map(|r| r.0).collect();
    let first = runs.iter().map(|r| r.1).min().unwrap_or(0);
    let last = runs.iter().map(|r| r.2).max().unwrap_or(0);
    let span_s = last.saturating_sub(first) as f64 / 1e6;

    let (all, synced_n, leases) = rt.block_on(async {
        let all: HashSet<i64> = mailbox::Entity::find()
            .all(&db)
            .await
            .expect("mailboxes")
            .into_iter()
            .map(|m| m.id)
            .collect();
        let out = (
            all,
            count_where(&db, synced()).await,
            count_where(&db, leased()).await,
        );
        db.close().await.ok();
        out
    });
    drop(rt);
    drop(scratch);
    ScaleOut {
        insert_s,
        span_s,
        wall_s,
        runs: runs.len(),
        per_proc,
        served: served.len(),
        all: all.len(),
        twice,
        overlaps,
        missing: all.difference(&served).count(),
        strangers: served.difference(&all).count(),
        synced: synced_n,
        leases,
        failed,
    }
}

fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// Figure 5 (worker process): a scheduler with the production config and a fake instant
/// sync, until its stdin closes (or the deadline); then writes `mailbox start_µs end_µs`
/// per run to `log`.
pub fn scaleout_worker(url: &str, owner: &str, log_path: &Path, deadline_s: usize) {
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        let _ = stop_tx.send(());
    });
    runtime().block_on(async {
        let db = services::db::connect_and_migrate(url)
            .await
            .expect("database");
        let log = Arc::new(Mutex::new(Vec::new()));
        let task = Scheduler::new(
            db.clone(),
            owner.into(),
            Arc::new(FastRunner(log.clone())),
            SchedulerConfig::default(),
            SyncWaker::default(),
        )
        .spawn();
        let _ = tokio::time::timeout(Duration::from_secs(deadline_s as u64), stop_rx).await;
        task.abort();
        let _ = task.await;
        let runs = log.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let mut out = std::io::BufWriter::new(std::fs::File::create(log_path).expect("log file"));
        for (id, start, end) in runs {
            writeln!(out, "{id} {} {}", micros(start), micros(end)).expect("log");
        }
        out.flush().expect("log");
        db.close().await.ok();
    });
}
