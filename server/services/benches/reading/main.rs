//! Reading benchmark behind `scripts/bench reading` (figures and how to read them in
//! docs/benchmarks.md): message list, open message and search latency on a 100,000-message
//! mailbox, on SQLite and on PostgreSQL, with 32 concurrent clients from this process
//! against the real server binary in another, beside a baseline in the same run — the
//! same SQL sent straight to the database — and the service functions called in-process.
//!
//! ```text
//! reading [sqlite|postgres|both]
//! ```
//! Environment: `BENCH_SERVER_BIN` (the `mailcenter` binary; required), `BENCH_MESSAGES`
//! (100000), `BENCH_CLIENTS` (32), `BENCH_REQUESTS` (2000) and `BENCH_SECONDS` (10) bound
//! each many-client run, `BENCH_POSTGRES_URL` (the local trust-auth server's `postgres`
//! database; the bench makes and drops its own `bench_reading_<pid>` beside it),
//! `BENCH_KEEP` (keep the databases and the server's log). Beside the scenarios it prints
//! the query plans and the diagnostic runs of `diag.rs`. Everything is bounded and talks
//! only to 127.0.0.1.

mod cpu;
mod diag;
mod fixture;
mod load;
mod report;
mod scenarios;
#[path = "../../tests/common/schedule_fixtures.rs"]
mod schedule_fixtures;
mod scratch;
mod server;
mod text;

use load::{Bounds, Stats, drive};
use report::{Row, print_table};
use scenarios::{Ctx, Scenario};
use scratch::{PgDatabase, Scratch};
use sea_orm::ConnectionTrait;
use std::{
    future::Future,
    path::{Path, PathBuf},
    sync::{Arc, atomic::Ordering},
    time::{Duration, Instant},
};

fn main() {
    // `cargo bench` adds `--bench`.
    let which = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    tracing_subscriber::fmt()
        .with_env_filter(services::logging::filter("warn,sqlx=error"))
        .with_writer(std::io::stderr)
        .init();
    let backends: &[Backend] = match which.as_deref().unwrap_or("both") {
        "sqlite" => &[Backend::Sqlite],
        "postgres" => &[Backend::Postgres],
        "both" => &[Backend::Sqlite, Backend::Postgres],
        _ => {
            eprintln!(
                "usage: reading [sqlite|postgres|both]  (BENCH_SERVER_BIN=path/to/mailcenter)"
            );
            std::process::exit(2);
        }
    };
    let settings = Settings::from_env();
    for &backend in backends {
        let dir = Scratch::dir(backend);
        let pg = (backend == Backend::Postgres).then(PgDatabase::create);
        let url = match &pg {
            Some(pg) => pg.url(),
            None => format!("sqlite://{}?mode=rwc", dir.0.join("mail.db").display()),
        };
        let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
        runtime.block_on(run(backend, &settings, &url, &dir.0));
        drop(pg);
        drop(dir);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

struct Settings {
    server_bin: PathBuf,
    messages: usize,
    clients: usize,
    many: Bounds,
    one: Bounds,
}

impl Settings {
    fn from_env() -> Settings {
        let num = |name: &str, default: u64| -> u64 {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        let server_bin = PathBuf::from(
            std::env::var("BENCH_SERVER_BIN").expect("BENCH_SERVER_BIN: the mailcenter binary"),
        );
        let seconds = num("BENCH_SECONDS", 10);
        Settings {
            server_bin,
            messages: num("BENCH_MESSAGES", 100_000) as usize,
            clients: num("BENCH_CLIENTS", 32) as usize,
            many: Bounds {
                requests: num("BENCH_REQUESTS", 2_000),
                time: Duration::from_secs(seconds),
            },
            // One client: enough for a stable p99, half the time.
            one: Bounds {
                requests: 300,
                time: Duration::from_secs(seconds.div_ceil(2)),
            },
        }
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Which code answers a call.
#[derive(Clone, Copy)]
enum Level {
    App,
    Service,
    Sql,
}

async fn run(backend: Backend, settings: &Settings, url: &str, dir: &Path) {
    let t0 = Instant::now();
    let db = services::db::connect_and_migrate(url)
        .await
        .expect("database");
    let fixture = fixture::prepare(&db, settings.messages).await;
    // The server's background task indexes stored mail for search: done before measuring.
    let t_index = Instant::now();
    let left = services::mail_view::search_index::catch_up(&db, u64::MAX).await;
    assert_eq!(left.expect("search index catch-up"), 0);
    let index_s = t_index.elapsed().as_secs_f64();
    if backend == Backend::Postgres {
        // What autovacuum does shortly after a bulk insert: statistics and the visibility
        // map (index-only scans for the count). SQLite gets no ANALYZE: the server never
        // runs one (see the diagnostics).
        db.execute_unprepared("VACUUM ANALYZE messages")
            .await
            .expect("vacuum");
    }
    println!(
        "== {}: {} messages (INBOX {}, Sent {}), seeded in {:.1} s, search index caught up in {:.1} s, database {} MB ==",
        backend.name(),
        fixture.ids.len(),
        fixture.inbox_count,
        fixture.sent_count,
        fixture.seed_s,
        index_s,
        scratch::database_mb(&db, dir).await
    );
    let server = server::Server::start(&settings.server_bin, url, dir).await;
    let app = server.sign_in(&fixture.email, fixture::PASSWORD).await;
    let mut queries: Vec<String> = text::COMMON.iter().map(|w| (*w).to_owned()).collect();
    let tail = &fixture.vocabulary.words[text::COMMON.len()..];
    queries
        .extend((0..text::COMMON.len() as u64).map(|i| tail[load::pick(7, i, tail.len())].clone()));
    let ctx = Arc::new(Ctx {
        db,
        server_pid: server.pid(),
        fixture,
        app,
        queries,
        encode_ns: 0.into(),
        encode_bytes: 0.into(),
        encodes: 0.into(),
    });
    report::check(&ctx).await;
    diag::plans(&ctx).await;
    let mut rows = Vec::new();
    for (k, s) in Scenario::ALL.into_iter().enumerate() {
        let salt = 100 * (k as u64 + 1);
        let many = settings.clients;
        let app1 = measure(&ctx, s, Level::App, 1, settings.one, salt + 1).await;
        let app = measure(&ctx, s, Level::App, many, settings.many, salt + 2).await;
        for counter in [&ctx.encode_ns, &ctx.encode_bytes, &ctx.encodes] {
            counter.store(0, Ordering::Relaxed);
        }
        let service = measure(&ctx, s, Level::Service, many, settings.many, salt + 3).await;
        let encodes = ctx.encodes.load(Ordering::Relaxed).max(1) as f64;
        let sql1 = measure(&ctx, s, Level::Sql, 1, settings.one, salt + 4).await;
        let sql = measure(&ctx, s, Level::Sql, many, settings.many, salt + 5).await;
        rows.push(Row {
            scenario: s,
            app1,
            app,
            service,
            sql1,
            sql,
            encode_us: ctx.encode_ns.load(Ordering::Relaxed) as f64 / encodes / 1000.0,
            json_kb: ctx.encode_bytes.load(Ordering::Relaxed) as f64 / encodes / 1024.0,
        });
    }
    let found = diag::where_time_goes(&ctx, settings).await;
    print_table(backend.name(), settings.clients, &rows, &found);
    drop(server);
    if let Ok(ctx) = Arc::try_unwrap(ctx) {
        ctx.db.close().await.ok();
    }
    println!(
        "   ({} done in {:.0} s)\n",
        backend.name(),
        t0.elapsed().as_secs_f64()
    );
}

/// One measured run of a scenario after an unmeasured warm-up.
async fn measure(
    ctx: &Arc<Ctx>,
    s: Scenario,
    level: Level,
    clients: usize,
    bounds: Bounds,
    salt: u64,
) -> Stats {
    let stats = load_run(ctx, clients, bounds, salt, move |ctx, salt, i| async move {
        match level {
            Level::App => scenarios::app(&ctx, s, salt, i).await,
            Level::Service => scenarios::service(&ctx, s, salt, i).await,
            Level::Sql => scenarios::sql(&ctx, s, salt, i).await,
        }
    })
    .await;
    report::run_line(s, level, clients, &stats);
    stats
}

/// `clients` clients calling `call(ctx, salt, i)`: first two calls each unmeasured (their
/// own picks), then the measured run with the CPU it cost.
async fn load_run<C, Fut>(
    ctx: &Arc<Ctx>,
    clients: usize,
    bounds: Bounds,
    salt: u64,
    call: C,
) -> Stats
where
    C: Fn(Arc<Ctx>, u64, u64) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<usize, String>> + Send + 'static,
{
    let calls = |salt: u64| {
        let ctx = ctx.clone();
        move |i: u64| call(ctx.clone(), salt, i)
    };
    let warm = Bounds {
        requests: 2 * clients as u64,
        time: bounds.time,
    };
    drive(clients, warm, calls(salt + 50)).await;
    let before = cpu::Usage::now(ctx.server_pid);
    let mut stats = drive(clients, bounds, calls(salt)).await;
    stats.cpu = Some(before.per_call(ctx.server_pid, stats.n + stats.errors));
    stats
}
