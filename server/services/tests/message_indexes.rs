//! The messages table's indexes, on SQLite and PostgreSQL: the message list's folder order
//! has one index, (folder, received_at, id), and a page of the list (the keyset query of
//! `mail_view::message_list`) walks it newest first without sorting anything.

use crate::common;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};
use sea_orm_migration::MigratorTrait;
use services::migration::Migrator;

/// The migration that dropped the (folder, received_at) index.
const FOLDER_ORDER: &str = "m20261203_000130_one_folder_order_index";

/// The query of one list page after a cursor, as `mail_view::messages::keyset` builds it.
const PAGE: &str = "SELECT id, subject FROM messages WHERE folder_id = 1 \
                    AND (received_at, id) < ('2026-06-01 00:00:00+00:00', 5000) \
                    ORDER BY received_at DESC, id DESC LIMIT 51";

#[tokio::test]
async fn the_folder_order_has_one_index_and_a_list_page_walks_it_without_a_sort() {
    for t in common::databases().await {
        let (db, b) = (&t.db, t.backend);
        let names = index_names(db).await;
        assert!(
            names.iter().any(|n| n == "idx_messages_folder_keyset"),
            "{b}: {names:?}"
        );
        assert!(
            !names.iter().any(|n| n == "idx_messages_folder_received"),
            "{b}: the (folder, received_at) index is a prefix of the keyset one: {names:?}"
        );

        // Undoing the migrations down to the one that dropped it brings the old index back;
        // done again, it goes.
        let own = common::own_connection(&t.url).await;
        Migrator::down(&own, Some(common::steps_back_to(FOLDER_ORDER)))
            .await
            .unwrap();
        let restored = index_names(db).await;
        assert!(
            restored.iter().any(|n| n == "idx_messages_folder_received"),
            "{b}: {restored:?}"
        );
        Migrator::up(&own, None).await.unwrap();
        own.close().await.unwrap();
        assert_eq!(index_names(db).await, names, "{b}");

        let plan = page_plan(db).await;
        assert!(plan.contains("idx_messages_folder_keyset"), "{b}:\n{plan}");
        assert!(
            !plan.contains("TEMP B-TREE") && !plan.contains("Sort"),
            "{b}: a page sorts nothing:\n{plan}"
        );
    }
}

async fn index_names(db: &DatabaseConnection) -> Vec<String> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' \
             ORDER BY name"
        }
        _ => "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'messages' ORDER BY 1",
    };
    db.query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .collect()
}

/// The plan of [`PAGE`], one line per step.
async fn page_plan(db: &DatabaseConnection) -> String {
    let backend = db.get_database_backend();
    // PostgreSQL would rather scan an empty table: plan it as for a full one.
    let txn = db.begin().await.unwrap();
    // A pooled SQLite connection that has not read since the migration still holds the
    // old schema, and EXPLAIN alone does not check it (it would plan with the dropped
    // index): a real read first makes the connection load the schema again.
    txn.query_all_raw(Statement::from_string(
        backend,
        "SELECT count(*) AS n FROM messages",
    ))
    .await
    .unwrap();
    let (sql, column) = match backend {
        DbBackend::Sqlite => (format!("EXPLAIN QUERY PLAN {PAGE}"), "detail"),
        _ => {
            txn.execute_unprepared("SET LOCAL enable_seqscan = off")
                .await
                .unwrap();
            (format!("EXPLAIN {PAGE}"), "QUERY PLAN")
        }
    };
    let plan: Vec<String> = txn
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", column).unwrap())
        .collect();
    txn.rollback().await.unwrap();
    plan.join("\n")
}
