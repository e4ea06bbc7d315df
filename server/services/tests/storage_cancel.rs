//! A transaction abandoned while its BEGIN is on the wire (a sync run cut at its deadline,
//! a task aborted, a client gone) leaves no pooled connection inside it: what that
//! connection runs next is committed, not held in a transaction nobody ends
//! (PostgreSQL; `vendor/sqlx-postgres`, see the workspace's Cargo.toml).

use crate::common;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, Statement, TransactionTrait};
use std::time::Duration;

const WRITES: i64 = 200;

#[tokio::test]
async fn a_transaction_abandoned_while_it_begins_leaves_no_connection_inside_it() {
    let t = common::postgres().await;
    let table = "CREATE TABLE abandoned_begins (n bigint)";
    t.db.execute_unprepared(table).await.unwrap();
    // One connection: every attempt and every write after it go through it.
    let mut options = ConnectOptions::new(t.url.clone());
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    let one = Database::connect(options).await.unwrap();
    let mut cut = 0;
    for n in 0..WRITES {
        // Abandoned after 0, 25, 50 … µs: some land while BEGIN's answer is awaited.
        let wait = Duration::from_micros(25 * n as u64);
        match tokio::time::timeout(wait, one.begin()).await {
            Err(_) => cut += 1,
            // Begun in time: dropped unused, so rolled back.
            Ok(txn) => drop(txn.unwrap()),
        }
        let write = format!("INSERT INTO abandoned_begins VALUES ({n})");
        one.execute_unprepared(&write).await.unwrap();
    }
    // Seen from another connection, every write is committed.
    let count = Statement::from_string(
        t.db.get_database_backend(),
        "SELECT count(*) AS n FROM abandoned_begins",
    );
    let row = t.db.query_one_raw(count).await.unwrap().unwrap();
    let seen: i64 = row.try_get("", "n").unwrap();
    assert!(cut > 0, "no BEGIN was abandoned");
    assert_eq!(seen, WRITES, "{cut} BEGINs abandoned");
}
