//! A transaction abandoned while its BEGIN is on the wire (a sync run cut at its deadline,
//! a task aborted, a client gone) leaves no connection inside it: what that connection
//! runs next is committed, not held in a transaction nobody ends (PostgreSQL;
//! `vendor/sqlx-postgres`, see the workspace's Cargo.toml).

use crate::common;
use sea_orm::{
    ConnectionTrait, Statement,
    sqlx::{self, Connection, PgConnection},
};
use std::{
    future::{Future, poll_fn},
    pin::pin,
    task::Poll,
};

const WRITES: i64 = 200;

#[tokio::test]
async fn a_transaction_abandoned_while_it_begins_leaves_no_connection_inside_it() {
    let t = common::postgres().await;
    let table = "CREATE TABLE abandoned_begins (n bigint)";
    t.db.execute_unprepared(table).await.unwrap();
    // One connection, as a pool hands it from one borrower to the next.
    let mut one = PgConnection::connect(&t.url).await.unwrap();
    let mut cut = 0;
    for n in 0..WRITES {
        {
            // Abandoned after 1, 2, 3 … polls, the runtime reading the socket between
            // two: the first ones while BEGIN's answer is awaited, the later ones once
            // begun.
            let mut begin = pin!(one.begin());
            let mut begun = None;
            for _ in 0..=n {
                if let Poll::Ready(txn) = poll_fn(|cx| Poll::Ready(begin.as_mut().poll(cx))).await {
                    begun = Some(txn);
                    break;
                }
                tokio::task::yield_now().await;
            }
            match begun {
                None => cut += 1,
                // Begun in time: dropped unused, so rolled back.
                Some(txn) => drop(txn.unwrap()),
            }
        }
        let write = sqlx::query("INSERT INTO abandoned_begins VALUES ($1)").bind(n);
        write.execute(&mut one).await.unwrap();
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
