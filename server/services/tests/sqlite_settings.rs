//! What every pooled SQLite connection is opened with, checked on connections held at the
//! same time (a `PRAGMA` run once would reach only the one connection that ran it).

use crate::common;

use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement, TransactionTrait};

async fn pragma(txn: &DatabaseTransaction, name: &str) -> String {
    let row = txn
        .query_one_raw(Statement::from_string(
            txn.get_database_backend(),
            format!("PRAGMA {name}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0)
        .map(|n| n.to_string())
        .or_else(|_| row.try_get_by_index::<String>(0))
        .unwrap()
}

#[tokio::test]
async fn every_pooled_connection_has_a_small_page_cache_and_the_write_ahead_log() {
    let t = common::sqlite().await;
    // Three transactions open at once hold three different connections of the pool.
    let held = [
        t.db.begin().await.unwrap(),
        t.db.begin().await.unwrap(),
        t.db.begin().await.unwrap(),
    ];
    for txn in &held {
        // A negative cache_size is KiB: 512 KiB, not SQLite's default of 2,000.
        assert_eq!(pragma(txn, "cache_size").await, "-512");
        assert_eq!(pragma(txn, "journal_mode").await, "wal");
    }
    for txn in held {
        txn.rollback().await.unwrap();
    }
}
