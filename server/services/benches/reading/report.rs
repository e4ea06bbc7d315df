//! What the bench checks before measuring, and how it prints the figures.

use super::{
    Level,
    diag::Found,
    load::{Stats, ms},
    scenarios::{self, Ctx, Scenario},
};

/// The goal of the issue for list pages with 32 clients.
const GOAL_P99_MS: f64 = 50.0;

/// One scenario's figures.
pub struct Row {
    pub scenario: Scenario,
    pub app1: Stats,
    pub app: Stats,
    pub service: Stats,
    pub sql1: Stats,
    pub sql: Stats,
    /// Mean JSON encoding of the service's result (µs) and its size (kB).
    pub encode_us: f64,
    pub json_kb: f64,
}

/// The server answers what a reader expects, and the baseline SQL reads the same rows as
/// the service (so the ratio compares like with like).
pub async fn check(ctx: &Ctx) {
    let f = &ctx.fixture;
    let folder = format!("mailbox={}&folder={}", f.mailbox, f.inbox);
    let page = ctx.app.json("message_list", folder.clone()).await;
    let rows = page["messages"].as_array().map_or(0, Vec::len);
    assert_eq!(rows, 50, "page 1 has 50 rows: {page:.300}");
    assert_eq!(
        page["total"].as_u64(),
        Some(f.inbox_count as u64),
        "page 1 counts INBOX"
    );
    let (at, id) = f.cursors[f.cursors.len() / 2];
    let deep = ctx
        .app
        .json("message_list", format!("{folder}&before={at}.{id}"))
        .await;
    let first = &deep["messages"][0];
    assert!(
        first["received_at"].as_i64() <= Some(at) && first["id"].as_i64() != Some(id),
        "a deep page starts after its cursor: {first}"
    );
    let id = f.ids[f.ids.len() / 3];
    let open = ctx.app.json("conversation", format!("id={id}")).await;
    assert_eq!(
        open["opened"].as_i64(),
        Some(id),
        "the conversation of {id}"
    );
    let found = ctx
        .app
        .json(
            "search_mail",
            format!("q={}", super::server::enc("рахунок")),
        )
        .await;
    let hits = found["messages"].as_array().map_or(0, Vec::len);
    assert!(hits > 0, "search finds рахунок: {found:.300}");
    for s in [Scenario::Page1, Scenario::Deep, Scenario::Search] {
        for i in 0..20 {
            let service = scenarios::service(ctx, s, 9, i).await;
            let sql = scenarios::sql(ctx, s, 9, i).await;
            assert_eq!(
                service,
                sql,
                "{}: service and baseline SQL read alike",
                s.label()
            );
        }
    }
    println!(
        "   checked: page 1 has 50 rows of {}; a deep page follows its cursor; a conversation opens; \
         \"рахунок\" finds {hits}{}; service and baseline SQL return the same rows",
        f.inbox_count,
        if found["more"].as_bool() == Some(true) {
            "+"
        } else {
            ""
        }
    );
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::App => "app (HTTP)",
        Level::Service => "service in-process",
        Level::Sql => "baseline SQL",
    }
}

/// `; CPU/call …` of a run.
fn cpu_text(stats: &Stats) -> String {
    match stats.cpu {
        Some(c) => format!(
            "; CPU/call {}; machine {:.0}% busy",
            cpu_cell(stats),
            c.busy * 100.0
        ),
        None => String::new(),
    }
}

/// `server / this process / PostgreSQL` µs per call.
fn cpu_cell(stats: &Stats) -> String {
    match stats.cpu {
        Some(c) => format!(
            "{:.0} / {:.0} / {:.0} µs",
            c.server_us, c.bench_us, c.postgres_us
        ),
        None => "—".into(),
    }
}

fn errors(stats: &Stats) -> String {
    match &stats.first_error {
        Some(err) => format!("; {} ERRORS (first: {err})", stats.errors),
        None => String::new(),
    }
}

/// One run, as it finishes.
pub fn run_line(s: Scenario, level: Level, clients: usize, stats: &Stats) {
    let size = match level {
        Level::App => format!("{:.1} kB/answer", stats.mean_size / 1024.0),
        _ => format!("{:.1} rows/call", stats.mean_size),
    };
    println!(
        "   {:<28} {:<19} {clients:>2} client(s): p50 {} ms, p99 {} ms, max {} ms; {} calls, {:.0}/s; {size}{}{}",
        s.label(),
        level_name(level),
        ms(stats.p50_ms),
        ms(stats.p99_ms),
        ms(stats.max_ms),
        stats.n,
        stats.per_s,
        cpu_text(stats),
        errors(stats)
    );
}

/// A diagnostic run.
pub fn note_line(what: &str, clients: usize, stats: &Stats) {
    println!(
        "   {what:<48} {clients:>2} client(s): p50 {} ms, p99 {} ms; {} calls, {:.0}/s{}{}",
        ms(stats.p50_ms),
        ms(stats.p99_ms),
        stats.n,
        stats.per_s,
        cpu_text(stats),
        errors(stats)
    );
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 && a.is_finite() && b.is_finite() {
        format!("{:.1}×", a / b)
    } else {
        "—".into()
    }
}

/// The table for docs/benchmarks.md and the goal's verdict.
pub fn print_table(backend: &str, clients: usize, rows: &[Row], found: &Found) {
    println!("   {backend}, latency p50 / p99 in ms:");
    println!(
        "   | scenario | 1 client | {clients} clients (calls/s) | baseline SQL, {clients} | app / baseline p50, p99 | service in-process, {clients} | baseline SQL, 1 client | JSON per answer |"
    );
    println!("   |---|---|---|---|---|---|---|---|");
    for r in rows {
        println!(
            "   | {} | {} | {} ({:.0}/s) | {} | {}, {} | {} | {} | {:.1} kB, {:.0} µs |",
            r.scenario.label(),
            r.app1.pair(),
            r.app.pair(),
            r.app.per_s,
            r.sql.pair(),
            ratio(r.app.p50_ms, r.sql.p50_ms),
            ratio(r.app.p99_ms, r.sql.p99_ms),
            r.service.pair(),
            r.sql1.pair(),
            r.json_kb,
            r.encode_us
        );
    }
    println!(
        "   {backend}, CPU per call with {clients} clients (server process / this process / PostgreSQL processes; machine busy):"
    );
    println!("   | scenario | app (HTTP) | service in-process | baseline SQL |");
    println!("   |---|---|---|---|");
    for r in rows {
        let cell = |s: &Stats| {
            let busy = s.cpu.map_or(0.0, |c| c.busy * 100.0);
            format!("{} ({busy:.0}%)", cpu_cell(s))
        };
        println!(
            "   | {} | {} | {} | {} |",
            r.scenario.label(),
            cell(&r.app),
            cell(&r.service),
            cell(&r.sql)
        );
    }
    println!(
        "   signed-in floor (current_user over HTTP, {clients} clients): {}; count(*) of INBOX alone (SQL, {clients}): {}",
        found.floor.pair(),
        found.count.pair()
    );
    println!(
        "   deep page with the keyset as a row value (SQL): 1 client {}, {clients} clients {}",
        found.row_value[0].pair(),
        found.row_value[1].pair()
    );
    if let Some([sql, app]) = &found.analyzed {
        println!(
            "   after ANALYZE, c. open: baseline SQL 1 client {}, app {clients} clients {}",
            sql.pair(),
            app.pair()
        );
    }
    let verdict: Vec<String> = rows
        .iter()
        .filter(|r| matches!(r.scenario, Scenario::Page1 | Scenario::Deep))
        .map(|r| {
            let ok = r.app.p99_ms < GOAL_P99_MS && r.app.errors == 0;
            format!(
                "{} p99 {} ms ({})",
                r.scenario.label(),
                ms(r.app.p99_ms),
                if ok { "met" } else { "NOT met" }
            )
        })
        .collect();
    println!(
        "   goal p99 < {GOAL_P99_MS:.0} ms for list pages with {clients} clients: {}",
        verdict.join("; ")
    );
}
