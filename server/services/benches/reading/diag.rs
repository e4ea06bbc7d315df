//! Where the time goes: the query plans of the statements that grow with the mailbox, and
//! runs beside the scenarios that isolate one cost each.

use super::{
    Settings,
    load::Stats,
    load_run,
    report::note_line,
    scenarios::{self, COUNT_SQL, Ctx, Keyset, Scenario, query},
};
use sea_orm::{ConnectionTrait, DbBackend, Value};
use std::sync::Arc;

/// The diagnostic figures of one database.
pub struct Found {
    /// `current_user` over HTTP: the session, one query, HTTP, a tiny answer.
    pub floor: Stats,
    /// Page 1's count of INBOX alone (SQL).
    pub count: Stats,
    /// A deep page with its keyset as a row value (SQL), 1 and many clients.
    pub row_value: [Stats; 2],
    /// SQLite after `ANALYZE`: opening a message (SQL, 1 client; app, many clients).
    pub analyzed: Option<[Stats; 2]>,
}

/// Prints how the database runs the statements that could grow with the mailbox.
pub async fn plans(ctx: &Ctx) {
    let f = &ctx.fixture;
    let backend = ctx.db.get_database_backend();
    let (at, id) = f.cursors[f.cursors.len() / 2];
    let at = chrono::DateTime::from_timestamp(at, 0).unwrap_or_default();
    let thread = query(
        &ctx.db,
        "SELECT thread_id FROM messages WHERE id = $1",
        vec![f.ids[f.ids.len() / 3].into()],
    )
    .await
    .ok()
    .and_then(|rows| rows.first()?.try_get::<String>("", "thread_id").ok())
    .unwrap_or_default();
    let mut statements = vec![
        (
            "deep page, keyset as the service writes it",
            scenarios::deep_page_sql(Keyset::Service, f.inbox, at, id),
        ),
        (
            "deep page, keyset as a row value",
            scenarios::deep_page_sql(Keyset::RowValue, f.inbox, at, id),
        ),
        (
            "conversation's thread",
            scenarios::thread_sql(f.mailbox, thread),
        ),
    ];
    if backend == DbBackend::Postgres {
        let rare = f.vocabulary.words[f.vocabulary.words.len() / 2].clone();
        statements.push((
            "search, a common word",
            scenarios::search_sql(backend, "рахунок", f.mailbox),
        ));
        statements.push((
            "search, a rare word",
            scenarios::search_sql(backend, &rare, f.mailbox),
        ));
    }
    for (what, (sql, values)) in statements {
        println!("   plan, {what}: {}", explain(ctx, &sql, values).await);
    }
}

/// The plan in one line: SQLite's `EXPLAIN QUERY PLAN` details, PostgreSQL's `EXPLAIN`
/// lines without costs.
async fn explain(ctx: &Ctx, sql: &str, values: Vec<Value>) -> String {
    let explain = match ctx.db.get_database_backend() {
        DbBackend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
        _ => format!("EXPLAIN (COSTS OFF) {sql}"),
    };
    match query(&ctx.db, &explain, values).await {
        Ok(rows) => rows
            .iter()
            .filter_map(|r| {
                r.try_get::<String>("", "detail")
                    .or_else(|_| r.try_get::<String>("", "QUERY PLAN"))
                    .ok()
            })
            .map(|line| line.trim().trim_start_matches("-> ").to_owned())
            .collect::<Vec<_>>()
            .join(" / "),
        Err(err) => format!("(no plan: {err})"),
    }
}

/// The runs that say what dominates.
pub async fn where_time_goes(ctx: &Arc<Ctx>, settings: &Settings) -> Found {
    let (many, bounds) = (settings.clients, settings.many);
    let floor = load_run(ctx, many, bounds, 901, |ctx, _, _| async move {
        ctx.app
            .call("current_user", String::new(), <[u8]>::len)
            .await
    })
    .await;
    note_line("signed-in floor: current_user over HTTP", many, &floor);
    let count = load_run(ctx, many, bounds, 902, |ctx, _, _| async move {
        let inbox = ctx.fixture.inbox;
        query(&ctx.db, COUNT_SQL, vec![inbox.into()])
            .await
            .map(|rows| rows.len())
    })
    .await;
    note_line("count(*) of INBOX alone (SQL; part of a.)", many, &count);
    let deep = |ctx: Arc<Ctx>, salt, i| async move {
        scenarios::deep_page(&ctx, Keyset::RowValue, salt, i).await
    };
    let row_value = [
        load_run(ctx, 1, settings.one, 903, deep).await,
        load_run(ctx, many, bounds, 904, deep).await,
    ];
    note_line("deep page, keyset as a row value (SQL)", 1, &row_value[0]);
    note_line(
        "deep page, keyset as a row value (SQL)",
        many,
        &row_value[1],
    );
    let analyzed = match ctx.db.get_database_backend() {
        DbBackend::Sqlite => Some(after_analyze(ctx, settings).await),
        _ => None,
    };
    Found {
        floor,
        count,
        row_value,
        analyzed,
    }
}

/// SQLite with statistics: `ANALYZE`, then a schema change so every open connection (the
/// server's too) reloads them, then opening messages again.
async fn after_analyze(ctx: &Arc<Ctx>, settings: &Settings) -> [Stats; 2] {
    for sql in [
        "ANALYZE",
        "CREATE TABLE bench_reload_schema (x INTEGER)",
        "DROP TABLE bench_reload_schema",
    ] {
        ctx.db.execute_unprepared(sql).await.expect(sql);
    }
    plans(ctx).await;
    let open = |level_app: bool| {
        move |ctx: Arc<Ctx>, salt, i| async move {
            if level_app {
                scenarios::app(&ctx, Scenario::Open, salt, i).await
            } else {
                scenarios::sql(&ctx, Scenario::Open, salt, i).await
            }
        }
    };
    let sql = load_run(ctx, 1, settings.one, 905, open(false)).await;
    note_line("after ANALYZE: c. open, baseline SQL", 1, &sql);
    let app = load_run(ctx, settings.clients, settings.many, 906, open(true)).await;
    note_line("after ANALYZE: c. open, app (HTTP)", settings.clients, &app);
    [sql, app]
}
