//! Figure 5: several OS processes of this binary on one PostgreSQL database, each a
//! production scheduler with a fake instant sync: claims per second, and proof that no
//! mailbox ran twice.

use super::sched::{FastRunner, count_where, leased, mix, mix_text, synced};
use super::{
    common::schedule_fixtures::mailboxes_due_at, met, runtime, scratch::PgScratch, work_dir,
};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use services::{
    entities::mailbox,
    sync::{Scheduler, SchedulerConfig, SyncWaker},
};
use std::{
    collections::HashSet,
    io::Write,
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

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
    let scratch = PgScratch::new(None);
    let url = scratch.url();
    let rt = runtime();
    let (db, insert_s) = rt.block_on(async {
        scratch.create().await;
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
