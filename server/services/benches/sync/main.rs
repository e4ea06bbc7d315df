//! Sync benchmarks behind `scripts/bench sync` (figures and how to read them in
//! docs/benchmarks.md). Not a criterion harness: each subcommand measures one figure of
//! the sync issue's Performance section against a baseline measured in the same run, is
//! bounded in count and time, and talks only to 127.0.0.1 (the project's mail stack and
//! the local PostgreSQL).
//!
//! ```text
//! sync10k USER [REPS]            1 + 6: initial sync of USER's INBOX (period 1y): ours,
//!                                mbsync into a fresh Maildir, a raw UID FETCH; peak memory
//! first-page USER                2: from the start of a first sync to a full first page
//! resync10 USER FOLDER...        3: no-change re-sync of these folders, ours vs mbsync
//! scheduler [N] [SPREAD_S]       4: N mailboxes due over SPREAD_S seconds, fake sync (SQLite)
//! scaleout [N] [PROCS] [BASE_N]  5: PROCS processes share N mailboxes on PostgreSQL,
//!                                against 1 process on BASE_N mailboxes
//! crm USER [REPS]                issue 12: initial sync with automatic CRM links against
//!                                the same sync with links off
//! growth USER...                 growth of the initial sync with the mailbox (users of
//!                                1k, 10k, 100k messages), SQLite and PostgreSQL: time,
//!                                first page, peak RSS, ratio to a raw fetch of the same run
//! sessions USER [REPS]           log-in to an EXAMINE answered, each kind of session
//!                                against a bare client (`scripts/bench-link` for a link)
//! later USER [REPS]              a later run with 5 new messages and 20 flags changed,
//!                                against a run that finds nothing changed
//! ```
//! Internal (run as child processes): `sync-once USER`, `raw-rust USER`,
//! `scaleout-worker URL OWNER LOG DEADLINE_S`, `crm-once USER off|automatic`,
//! `growth-once USER sqlite|postgres [MC_BENCH_DB]`.
//!
//! USER is a mail-stack user `USER@example.test` with password `USER-pass-1`.

#[path = "../../tests/common/mod.rs"]
mod common;

mod baseline;
mod breakdown;
mod crm;
mod first_page;
mod growth;
mod initial;
mod later;
mod resync;
mod scaleout;
mod sched;
mod scratch;
mod sessions;

use std::{
    collections::HashMap,
    fs::File,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

fn main() {
    // Memory as the server runs: its allocator settings (services::memory).
    services::memory::tune_allocator();
    // `cargo bench` passes `--bench`; scripts/bench runs the binary directly.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "warn,sqlx=error".into()))
        .with_writer(std::io::stderr)
        .try_init();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let num = |i: usize, default: usize| arg(i).map_or(default, |v| v.parse().expect("a number"));
    match arg(0) {
        Some("sync10k") => initial::sync10k(arg(1).expect("USER"), num(2, 3)),
        Some("first-page") => first_page::first_page(arg(1).expect("USER")),
        Some("resync10") => resync::resync(arg(1).expect("USER"), &args[2..], 5),
        Some("scheduler") => sched::scheduler(num(1, 10_000), num(2, 20)),
        Some("scaleout") => scaleout::scaleout(num(1, 100_000), num(2, 4), num(3, 20_000)),
        Some("crm") => crm::crm(arg(1).expect("USER"), num(2, 3)),
        Some("crm-once") => crm::crm_once(arg(1).expect("USER"), arg(2).expect("off|automatic")),
        Some("growth") => growth::growth(&args[1..]),
        Some("sessions") => sessions::sessions(arg(1).expect("USER"), num(2, 10)),
        Some("later") => later::later(arg(1).expect("USER"), num(2, 10)),
        Some("growth-once") => growth::growth_once(
            arg(1).expect("USER"),
            arg(2).expect("sqlite|postgres"),
            arg(3),
        ),
        Some("sync-once") => initial::sync_once(arg(1).expect("USER")),
        Some("raw-rust") => breakdown::raw_rust(arg(1).expect("USER")),
        Some("scaleout-worker") => scaleout::scaleout_worker(
            arg(1).expect("URL"),
            arg(2).expect("OWNER"),
            Path::new(arg(3).expect("LOG")),
            num(4, 300),
        ),
        _ => {
            eprintln!(
                "usage: sync (sync10k USER [REPS] | first-page USER | resync10 USER FOLDER... | \
                 scheduler [N] [SPREAD_S] | scaleout [N] [PROCS] [BASE_N] | crm USER [REPS] | \
                 growth USER... | sessions USER [REPS] | later USER [REPS])"
            );
            std::process::exit(2);
        }
    }
}

/// A multi-threaded runtime like the server's (one worker per core).
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh directory under `target/bench-sync` (same disk as `./data`); the caller removes it.
fn work_dir(tag: &str) -> PathBuf {
    let dir = repo().join("target/bench-sync").join(format!(
        "{tag}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    ));
    std::fs::create_dir_all(&dir).expect("bench work dir");
    dir
}

/// Runs a command with stdout to a file and stderr inherited, killed after `limit`.
/// Returns its stdout and the wall time.
fn run_bounded(cmd: &mut Command, limit: Duration) -> (String, Duration) {
    let out_path =
        std::env::temp_dir().join(format!("bench-out-{}", uuid::Uuid::new_v4().simple()));
    let out = File::create(&out_path).expect("stdout file");
    let t0 = Instant::now();
    let mut child = cmd
        .stdout(out)
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} ran longer than {limit:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = t0.elapsed();
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let _ = std::fs::remove_file(&out_path);
    assert!(status.success(), "{cmd:?} failed ({status}): {stdout}");
    (stdout, took)
}

/// Runs this binary with a subcommand; returns the `key=value` pairs of its last line.
fn child(args: &[&str], limit: Duration) -> HashMap<String, String> {
    let exe = std::env::current_exe().expect("own path");
    let (out, _) = run_bounded(Command::new(exe).args(args), limit);
    kv(out.lines().last().unwrap_or_default())
}

fn kv(line: &str) -> HashMap<String, String> {
    line.split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn get<T: std::str::FromStr>(map: &HashMap<String, String>, key: &str) -> T {
    map.get(key)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {map:?}"))
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn list(values: &[f64], digits: usize) -> String {
    values
        .iter()
        .map(|v| format!("{v:.digits$}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

/// A field of /proc/self/status in kB (VmHWM, VmRSS).
fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Resets VmHWM to the current RSS (Linux ≥ 4.0), so the peak covers only what follows.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// CPU time (user + system) of this process so far, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may contain spaces) start at field 3.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = [11, 12] // utime, stime (fields 14 and 15)
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<f64>().ok())
        .sum();
    ticks / clock_ticks()
}

fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}
