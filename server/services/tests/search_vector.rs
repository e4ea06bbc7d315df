//! PostgreSQL's search vector, computed by PL/pgSQL since `m20261206_000200`, is the very
//! vector the first definition (SQL, `translate`) gave: for every ASCII punctuation mark,
//! letters of several scripts, recipients whose names hold quotes, backslashes and line
//! breaks, an HTML-only body and a body past the 100,000 characters indexed. Rows indexed
//! before the migration then need no indexing again.

use crate::common;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use sea_orm_migration::MigratorTrait;
use services::migration::Migrator;

const PLPGSQL: &str = "m20261206_000200_search_vector_plpgsql";

/// from_name, from_address, to_list, cc_list, subject, text_body, html_body.
type Case = [Option<String>; 7];

fn cases() -> Vec<Case> {
    let s = |v: &str| Some(v.to_owned());
    let every_mark = "a!b\"c#d$e%f&g'h(i)j*k+l,m-n.o/p:q;r<s=t>u?v@w[x\\y]z^A_B`C{D|E}F~G";
    let long_body = "Рахунок-2026 ".repeat(9_000);
    vec![
        [
            s("Anna O'Brien"),
            s("anna@acme.example"),
            s(r#"[{"name":"Bob \"The\" Builder","address":"bob@b.example"}]"#),
            s(r#"[{"name":"Line\nBreak\\Back","address":"x+tag@c.example"}]"#),
            s(every_mark),
            s("Invoice-2026/11, total: 1.234,56 UAH (see: http://x.example/a?b=c&d=e#f)"),
            None,
        ],
        [
            s("ПЕТРО Ґудзь"),
            s("petro@пошта.укр"),
            s("[]"),
            s("[]"),
            s("Привіт, СВІТ! «Ялинка» — їжак; Straße ÄÖÜ ΣΊΣΥΦΟΣ 🎄"),
            s("Рядок\tз табуляцією\r\nі новим рядком…"),
            s("<p>not used: the text part wins</p>"),
        ],
        [
            None,
            s("noreply@shop.example"),
            s("[]"),
            s("[]"),
            s(""),
            None,
            s("<p>Hello<b>wo</b>rld</p><a href='http://x.example/z?q=1'>link_here</a>&amp;"),
        ],
        [None, s(""), s("[]"), s("[]"), None, Some(long_body), None],
    ]
}

async fn vectors(db: &DatabaseConnection) -> Vec<String> {
    let mut out = Vec::new();
    for case in cases() {
        let values: Vec<Value> = case.into_iter().map(Value::from).collect();
        let sql = "SELECT message_search_vector($1, $2, $3, $4, $5, $6, $7)::text AS v";
        let statement = Statement::from_sql_and_values(DbBackend::Postgres, sql, values);
        let row = db.query_one_raw(statement).await.unwrap().unwrap();
        out.push(row.try_get::<String>("", "v").unwrap());
    }
    out
}

async fn language(db: &DatabaseConnection) -> String {
    let sql = "SELECT l.lanname AS v FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang \
               WHERE p.proname = 'message_search_vector'";
    let statement = Statement::from_string(DbBackend::Postgres, sql);
    let row = db.query_one_raw(statement).await.unwrap().unwrap();
    row.try_get::<String>("", "v").unwrap()
}

#[tokio::test]
async fn the_plpgsql_vector_is_the_first_definitions_vector() {
    let t = common::postgres().await;
    let db = &t.db;
    assert_eq!(language(db).await, "plpgsql");
    let now = vectors(db).await;

    // The first definition back, as the migration's `down` leaves it.
    let own = common::own_connection(&t.url).await;
    Migrator::down(&own, Some(common::steps_back_to(PLPGSQL)))
        .await
        .unwrap();
    assert_eq!(language(db).await, "sql");
    let first = vectors(db).await;
    Migrator::up(&own, None).await.unwrap();
    own.close().await.unwrap();
    assert_eq!(language(db).await, "plpgsql");

    for (i, (now, first)) in now.iter().zip(&first).enumerate() {
        assert_eq!(now, first, "case {i}");
    }
    // Every mark split the subject's letters apart, so each is a word of its own.
    for word in ["'a'", "'b'", "'y'", "'z'", "'g'", "'brien'", "'tag'"] {
        assert!(now[0].contains(word), "{word} in {}", now[0]);
    }
    assert!(!now[0].contains("'obrien'"), "{}", now[0]);
    assert!(
        now[1].contains("'привіт'") && now[1].contains("'ґудзь'"),
        "{}",
        now[1]
    );
    assert!(!now[1].contains("'used'"), "the text part wins: {}", now[1]);
    assert!(
        now[2].contains("'rld'") && !now[2].contains("'p'"),
        "{}",
        now[2]
    );
    assert!(
        now[3].contains("'рахунок'") && now[3].contains("'2026'"),
        "{}",
        now[3]
    );
}
