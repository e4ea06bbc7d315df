//! Growth: how the cost of the initial sync grows with the mailbox, on SQLite and on
//! PostgreSQL. For each user (1,000, 10,000 and 100,000 messages in INBOX, period 1y): a raw
//! `UID FETCH 1:* (BODY.PEEK[])` (python imaplib) of that INBOX, the faster of two, then our
//! sync into a fresh SQLite and into a fresh PostgreSQL database, each in a fresh process:
//! time, time to a full first page of the message list (polled every 10 ms during the
//! sync), peak RSS of the syncing process. Then time per message at the largest size
//! against the smallest (linearity) and peak RSS at the largest against the next.

use super::{
    baseline, child,
    common::{mail_stack::stack, sync_fixtures::folder},
    cpu_seconds, get,
    initial::{Fresh, settle},
    mb, met, reset_peak_rss, runtime,
    scratch::PgScratch,
    status_kb, work_dir,
};
use domain::MailScope;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use services::{
    entities::message,
    mail_view::{message_list, search_index},
    sync::store::BodyState,
    sync::{request::request_run, schedule::Outcome},
};
use std::{
    collections::HashMap,
    panic::{AssertUnwindSafe, catch_unwind},
    time::{Duration, Instant},
};

/// Each child (one sync of one size on one database) is killed after this.
const CHILD_LIMIT: Duration = Duration::from_secs(15 * 60);
/// Rows of a full first page of the message list.
const PAGE: usize = 50;
const DBS: [&str; 2] = ["sqlite", "postgres"];

/// `MC_BENCH_INDEXER=beside`: the search index's background task runs during the sync, as
/// in the server; otherwise the index catches up after it (the sync measured alone).
fn indexer_beside() -> bool {
    std::env::var("MC_BENCH_INDEXER").is_ok_and(|v| v == "beside")
}

/// One sync of one size on one database, as the coordinator saw it.
struct Run {
    n: usize,
    db: &'static str,
    raw: f64,
    /// `None` when the child failed (its panic or timeout is on stderr).
    got: Option<HashMap<String, String>>,
}

impl Run {
    fn f(&self, key: &str) -> f64 {
        self.got.as_ref().map_or(f64::NAN, |o| get(o, key))
    }
    fn ours(&self) -> f64 {
        self.f("seconds")
    }
    fn first(&self) -> f64 {
        self.f("first_page")
    }
    fn hwm_mb(&self) -> f64 {
        self.f("hwm_kb") / 1024.0
    }
}

/// Runs `f`, turning a panic (already reported on stderr by the hook) into `None`.
fn attempt<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok()
}

/// The raw fetch twice, the faster counted. The first fetch after the stack starts or the
/// mailbox is seeded also pays for Dovecot's cold index and cache files, which the syncs
/// measured after it do not: 0.15 s against 0.05 s at 1,000 messages and 10.6 s against
/// 4.2 s at 100,000 here (docs/benchmarks.md, thirty-sixth round).
fn warm_raw_fetch(user: &str) -> (baseline::Run, usize) {
    let (first, n) = baseline::python_fetch(user, "INBOX");
    let (second, m) = baseline::python_fetch(user, "INBOX");
    assert_eq!(n, m, "{user}: the INBOX changed between two raw fetches");
    let faster = if second.seconds < first.seconds {
        second
    } else {
        first
    };
    (faster, n)
}

/// The coordinator: `users` in order of size (1k, 10k, 100k).
pub fn growth(users: &[String]) {
    assert!(!users.is_empty(), "growth USER...");
    println!(
        "G. Initial sync growth: INBOX of {} (period 1y); ours = sync_mailbox into a fresh database, \
         each run a fresh process; raw = python imaplib UID FETCH 1:* (BODY.PEEK[]) of the same \
         INBOX, same run, the faster of two (the first warms Dovecot's index); first page = \
         message_list page 1 holds {PAGE} rows (polled every 10 ms); \
         index s = the full-text index's catch-up after the sync, {}",
        users.join(", "),
        if indexer_beside() {
            "its background task running beside the sync (MC_BENCH_INDEXER=beside)"
        } else {
            "the sync measured alone"
        }
    );
    let mut runs: Vec<Run> = Vec::new();
    for user in users {
        settle();
        let Some((raw, n)) = attempt(|| warm_raw_fetch(user)) else {
            println!("   {user}: the raw fetch failed; skipped");
            continue;
        };
        for db in DBS {
            settle();
            let scratch = (db == "postgres").then(|| PgScratch::new(None));
            let mut args = vec!["growth-once", user.as_str(), db];
            if let Some(pg) = &scratch {
                args.push(&pg.name);
            }
            let got = attempt(|| child(&args, CHILD_LIMIT));
            drop(scratch);
            if let Some(o) = &got {
                let outcome = o.get("outcome").map_or("?", String::as_str);
                let rows: usize = get(o, "rows");
                if outcome != "synced" || rows != n {
                    println!("   WARNING {n} {db}: outcome {outcome}, {rows} rows of {n}");
                }
                if o.get("hwm_reset").map(String::as_str) != Some("true") {
                    println!("   WARNING {n} {db}: peak RSS not reset, it covers the setup too");
                }
            }
            runs.push(Run {
                n,
                db,
                raw: raw.seconds,
                got,
            });
        }
    }
    print_table(&runs);
}

fn print_table(runs: &[Run]) {
    println!(
        "   {:>8}  {:<8}  {:>8}  {:>7}  {:>8}  {:>12}  {:>11}  {:>7}  {:>8}",
        "messages",
        "db",
        "ours s",
        "raw s",
        "ours/raw",
        "first page s",
        "peak RSS MB",
        "rows",
        "index s"
    );
    for r in runs {
        let rows = r
            .got
            .as_ref()
            .and_then(|o| o.get("rows").cloned())
            .unwrap_or_else(|| "failed".into());
        println!(
            "   {:>8}  {:<8}  {:>8.2}  {:>7.2}  {:>8.2}  {:>12.3}  {:>11.0}  {:>7}  {:>8.2}",
            r.n,
            r.db,
            r.ours(),
            r.raw,
            r.ours() / r.raw,
            r.first(),
            r.hwm_mb(),
            rows,
            r.f("index_seconds")
        );
    }
    let mut sizes: Vec<usize> = runs.iter().map(|r| r.n).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let find = |n: usize, db: &str| runs.iter().find(|r| r.n == n && r.db == db);
    if let (Some(&small), Some(&large)) = (sizes.first(), sizes.last())
        && small < large
    {
        for db in DBS {
            if let (Some(a), Some(b)) = (find(small, db), find(large, db)) {
                let per = |r: &Run| r.ours() / r.n as f64;
                println!(
                    "   {db}: time per message {large} vs {small}: {:.2}x ({:.3} ms vs {:.3} ms; 1 = linear)",
                    per(b) / per(a),
                    per(b) * 1e3,
                    per(a) * 1e3
                );
            }
        }
    }
    if sizes.len() >= 2 {
        let (prev, large) = (sizes[sizes.len() - 2], sizes[sizes.len() - 1]);
        for db in DBS {
            if let (Some(a), Some(b)) = (find(prev, db), find(large, db)) {
                println!(
                    "   {db}: peak RSS {large} vs {prev}: {:.2}x ({:.0} MB vs {:.0} MB; 1 = flat)",
                    b.hwm_mb() / a.hwm_mb(),
                    b.hwm_mb(),
                    a.hwm_mb()
                );
            }
        }
    }
    for r in runs {
        println!(
            "   {:>6} {:<8}  ≤ 1.5× raw: {}   first page < 0.3 s: {}",
            r.n,
            r.db,
            met(r.ours() <= 1.5 * r.raw),
            met(r.first() < 0.3)
        );
    }
}

/// Child: connects `user`'s INBOX on a fresh database of `kind` (PostgreSQL: `pg_name`, a
/// `mc_bench_*` database it creates and drops), runs one first sync while polling the
/// first page every 10 ms, prints one line of figures, removes the database.
pub fn growth_once(user: &str, kind: &str, pg_name: Option<&str>) {
    let s = stack();
    let dir = work_dir("growth");
    let scratch = match kind {
        "sqlite" => None,
        "postgres" => Some(PgScratch::new(pg_name)),
        other => panic!("growth-once USER sqlite|postgres, not {other}"),
    };
    let url = scratch.as_ref().map_or_else(
        || format!("sqlite://{}?mode=rwc", dir.join("mail.db").display()),
        PgScratch::url,
    );
    let rt = runtime();
    let line = rt.block_on(async {
        if let Some(pg) = &scratch {
            pg.create().await;
        }
        let fresh = Fresh::connect_url(&s, user, &["INBOX"], &url, dir).await;
        let mut line = measure(&fresh).await;
        if std::env::var_os("MC_BENCH_REFETCH").is_some() {
            line.push_str(&refetch(&fresh).await);
        }
        fresh.remove().await;
        line
    });
    drop(rt);
    drop(scratch);
    println!("{line}");
}

/// `MC_BENCH_REFETCH=1`: after the first sync, Re-sync from a date before all the mail
/// (every body back to pending, fetched again by the body pass), timed.
async fn refetch(fresh: &Fresh) -> String {
    let db = &fresh.st.db;
    let id = fresh.mailbox_id;
    let now = chrono::Utc::now();
    request_run(
        db,
        id,
        Some(chrono::DateTime::UNIX_EPOCH),
        now,
        Duration::ZERO,
    )
    .await
    .expect("Re-sync request");
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let outcome = fresh.engine().sync_mailbox(id).await;
    let took = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    assert_eq!(outcome, Outcome::Synced, "the Re-sync run");
    let pending = message::Entity::find()
        .filter(message::Column::MailboxId.eq(id))
        .filter(message::Column::BodyState.eq(BodyState::Pending.as_str()))
        .count(db)
        .await
        .expect("count");
    assert_eq!(pending, 0, "every body fetched again");
    // Rows the full-text index must take again (text that changed).
    let queued = search_index::queued(db).await.expect("queued rows");
    eprintln!(
        "[growth] Re-sync of every body in {took:.2} s ({cpu:.2} s of CPU), {queued} rows to index again"
    );
    format!(" refetch_seconds={took:.3} refetch_cpu_seconds={cpu:.3} refetch_queued={queued}")
}

/// One first sync of INBOX with the first page polled beside it; the `key=value` line.
async fn measure(fresh: &Fresh) -> String {
    let db = &fresh.st.db;
    let id = fresh.mailbox_id;
    let inbox = folder(db, id, "INBOX").await;
    let scope = MailScope::Folder {
        mailbox: id,
        folder: inbox.id,
    };
    let page_full = || async {
        message_list(db, &fresh.owner, scope, None)
            .await
            .expect("message page")
            .messages
            .len()
            >= PAGE
    };
    let engine = fresh.engine();
    // As the server runs it: the index's background task beside the sync.
    let indexer = indexer_beside().then(|| search_index::start(db.clone()));
    let reset = reset_peak_rss();
    let before = status_kb("VmRSS");
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let run = tokio::spawn(async move {
        let outcome = engine.sync_mailbox(id).await;
        (outcome, t0.elapsed())
    });
    let (mut first, mut polls) = (None, 0u32);
    while !run.is_finished() {
        if first.is_none() {
            polls += 1;
            if page_full().await {
                first = Some(t0.elapsed());
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (outcome, took) = run.await.expect("sync task");
    let hwm = status_kb("VmHWM");
    // CPU time of this process (every thread) during the sync, the first-page polls included.
    let cpu = cpu_seconds() - cpu0;
    // What the resident memory is made of at the sync's end (the peak's parts are not
    // kept by the kernel): anonymous memory (heap, stacks, large blocks mapped on their
    // own; "heap" in the line below) and mapped files (the binary's code and read-only
    // data, libraries).
    let (anon, file) = (status_kb("RssAnon"), status_kb("RssFile"));
    // A run shorter than the first poll that saw a full page: the poll after it (an upper bound).
    let after_end = first.is_none();
    if after_end && page_full().await {
        first = Some(t0.elapsed());
    }
    let rows = message::Entity::find()
        .filter(message::Column::FolderId.eq(inbox.id))
        .count(db)
        .await
        .expect("count");
    let bodies = message::Entity::find()
        .filter(message::Column::FolderId.eq(inbox.id))
        .filter(message::Column::BodyState.ne(BodyState::Pending.as_str()))
        .count(db)
        .await
        .expect("count");
    // The full-text index catching up afterwards: what the background task had left.
    let t1 = Instant::now();
    let left = loop {
        let left = search_index::catch_up(db, u64::MAX).await;
        // PostgreSQL: rows in the background task's batch are skipped, not waited for.
        match left {
            // Wait for that batch to commit rather than asking again at once.
            Ok(n) if n > 0 && indexer.is_some() => {
                tokio::time::sleep(Duration::from_millis(10)).await
            }
            other => break other,
        }
    };
    let index = t1.elapsed().as_secs_f64();
    if let Some(task) = indexer {
        task.abort();
    }
    assert_eq!(left.expect("index catch-up"), 0);
    let outcome = match outcome {
        Outcome::Synced => "synced".to_owned(),
        other => format!("{other:?}").replace(' ', "_"),
    };
    let first = first.map_or(f64::NAN, |d| d.as_secs_f64());
    eprintln!(
        "[growth] {} rows in {:.2} s ({cpu:.2} s of CPU), first page {first:.3} s, peak RSS {:.0} MB \
         (RSS {:.0} MB before the sync; at its end heap {:.0} MB, mapped files {:.0} MB)",
        rows,
        took.as_secs_f64(),
        mb(hwm),
        mb(before),
        mb(anon),
        mb(file)
    );
    format!(
        "seconds={:.3} first_page={first:.3} rows={rows} bodies={bodies} hwm_kb={hwm} \
         rss_before_kb={before} anon_kb={anon} file_kb={file} cpu_seconds={cpu:.3} outcome={outcome} hwm_reset={reset} polls={polls} \
         first_page_after_end={after_end} index_seconds={index:.3}",
        took.as_secs_f64()
    )
}
