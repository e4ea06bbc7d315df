//! The full-text index is filled after the rows are stored, on SQLite and PostgreSQL: a
//! stored message waits on a queue, search first indexes what waits (up to a bound) and
//! says how much of the caller's own mail it could not reach, and a background task drains
//! the rest. Moves and deletes of rows not indexed yet leave the index whole. A body stored
//! after its row waits on the queue too, and the index never waits for a row being written.

use crate::search_bench;
use crate::search_fixtures;

use domain::MailScope;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, IntoActiveModel,
    QueryFilter, Set, Statement, TransactionTrait, sea_query::Expr,
};
use search_fixtures::*;
use services::{
    entities::message,
    mail_view::{
        search::{CATCH_UP_ON_SEARCH, search_messages},
        search_index,
    },
};
use std::time::Duration;

const ALL: MailScope = MailScope::All;

#[tokio::test]
async fn stored_mail_waits_for_the_index_and_search_catches_up() {
    each_world(async |w| {
        let db = w.db();
        let sqlite = db.get_database_backend() == DbBackend::Sqlite;
        let early = w.titled(w.own, w.inbox, "pear early", 1).await;
        let moved = w.titled(w.own, w.inbox, "pear moved", 2).await;
        let gone = w.titled(w.own, w.inbox, "pear gone", 3).await;
        let b = w.backend;
        assert_eq!(
            search_bench::indexed(db).await,
            0,
            "{b}: storing indexes nothing"
        );
        assert_eq!(search_index::queued(db).await.unwrap(), 3, "{b}");
        // A move and a delete before the index reached the rows.
        let row = message::Entity::find_by_id(moved).one(db).await.unwrap();
        let mut row = row.unwrap().into_active_model();
        row.folder_id = Set(w.sent);
        row.update(db).await.unwrap();
        message::Entity::delete_by_id(gone).exec(db).await.unwrap();
        w.expect(&w.owner, ALL, &[("pear", &[moved, early])]).await;
        w.expect(&w.owner, in_folder(w.own, w.sent), &[("pear", &[moved])])
            .await;
        assert_eq!(search_index::queued(db).await.unwrap(), 0, "{}", w.backend);
        assert_eq!(search_bench::indexed(db).await, 2, "{}", w.backend);
        // Moved again once indexed: out of the index at once, back in on the next search.
        let row = message::Entity::find_by_id(moved).one(db).await.unwrap();
        let mut row = row.unwrap().into_active_model();
        row.folder_id = Set(w.inbox);
        row.update(db).await.unwrap();
        w.expect(&w.owner, in_folder(w.own, w.sent), &[("pear", &[])])
            .await;
        w.expect(
            &w.owner,
            in_folder(w.own, w.inbox),
            &[("pear", &[moved, early])],
        )
        .await;
        if sqlite {
            let check = "INSERT INTO message_search(message_search) VALUES ('integrity-check')";
            let check = Statement::from_string(DbBackend::Sqlite, check);
            db.execute_raw(check).await.unwrap();
        }
    })
    .await;
}

#[tokio::test]
async fn a_search_indexes_its_share_and_counts_only_the_callers_mail_left() {
    each_world(async |w| {
        let db = w.db();
        // The owner's mail first (oldest ids are indexed first), then a stranger's.
        let own = CATCH_UP_ON_SEARCH + 7;
        let rows = (0..own).map(|i| row(w.own, w.inbox, &Mail::titled("fig bulk", i as i64)));
        let rows: Vec<_> = rows.collect();
        for part in rows.chunks(1000) {
            message::Entity::insert_many(part.to_vec())
                .exec(db)
                .await
                .unwrap();
        }
        let theirs = (0..3).map(|i| row(w.strangers, w.strangers_inbox, &Mail::titled("fig", i)));
        message::Entity::insert_many(theirs).exec(db).await.unwrap();

        let first = search_messages(db, &w.owner, ALL, "fig").await.unwrap();
        assert_eq!(first.messages.len(), 100, "{}", w.backend);
        assert!(first.more);
        assert_eq!(first.unindexed, 7, "{}", w.backend);
        // Their own search indexes the rest (theirs among it) and finds all of it.
        let stranger = search_messages(db, &w.stranger, ALL, "fig").await.unwrap();
        assert_eq!((stranger.messages.len(), stranger.unindexed), (3, 0));
        assert_eq!(search_index::queued(db).await.unwrap(), 0);

        // The server's background task drains what is stored next, by itself.
        let late = (0..50).map(|i| row(w.own, w.sent, &Mail::titled("fig late", i)));
        message::Entity::insert_many(late).exec(db).await.unwrap();
        let task = search_index::start(db.clone());
        let drained = tokio::time::timeout(Duration::from_secs(30), async {
            while search_index::queued(db).await.unwrap() > 0 {
                tokio::task::yield_now().await;
            }
        });
        drained.await.expect("the background task drains the queue");
        task.abort();
        assert_eq!(
            search_bench::indexed(db).await,
            own as i64 + 53,
            "{}",
            w.backend
        );
        let sent = in_folder(w.own, w.sent);
        let late = search_messages(db, &w.owner, sent, "late").await.unwrap();
        assert_eq!((late.messages.len(), late.unindexed), (50, 0));
    })
    .await;
}

/// What the sync's body pass does to a row the header pass stored: sets its text.
async fn store_body(db: &impl ConnectionTrait, id: i64, text: &str) {
    message::Entity::update_many()
        .col_expr(message::Column::TextBody, Expr::value(text))
        .filter(message::Column::Id.eq(id))
        .exec(db)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_body_stored_later_waits_for_the_index_which_never_waits_for_a_row_being_written() {
    each_world(async |w| {
        let db = w.db();
        let b = w.backend;
        let plum = w.titled(w.own, w.inbox, "plum", 1).await;
        w.expect(&w.owner, ALL, &[("plum", &[plum]), ("damson", &[])])
            .await;
        // Its body arrives after its headers: queued again, and found by it once indexed.
        store_body(db, plum, "damson jam").await;
        assert_eq!(search_index::queued(db).await.unwrap(), 1, "{b}: queued");
        w.expect(&w.owner, ALL, &[("damson", &[plum]), ("plum", &[plum])])
            .await;
        assert_eq!(search_index::queued(db).await.unwrap(), 0, "{b}");
        if db.get_database_backend() != DbBackend::Postgres {
            // SQLite has one writer: the index's batch waits its turn (`retry_busy`).
            return;
        }
        // A queued row that an open transaction is writing (a sync storing its body) is
        // skipped, not waited for, and indexed once that transaction is over.
        let quince = w.titled(w.own, w.inbox, "quince", 2).await;
        let txn = db.begin().await.unwrap();
        store_body(&txn, quince, "membrillo").await;
        let catch_up = search_index::catch_up(db, u64::MAX);
        let left = tokio::time::timeout(Duration::from_secs(10), catch_up)
            .await
            .expect("the index waited for a row being written")
            .unwrap();
        assert_eq!(left, 1, "the row being written stays queued");
        txn.commit().await.unwrap();
        w.expect(
            &w.owner,
            ALL,
            &[("membrillo", &[quince]), ("quince", &[quince])],
        )
        .await;
        assert_eq!(search_index::queued(db).await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn a_row_written_again_unchanged_stays_in_the_index() {
    each_world(async |w| {
        let db = w.db();
        let b = w.backend;
        let fig = w.titled(w.own, w.inbox, "fig", 1).await;
        store_body(db, fig, "quince paste").await;
        w.expect(&w.owner, ALL, &[("quince", &[fig])]).await;
        assert_eq!(search_index::queued(db).await.unwrap(), 0, "{b}");
        let before = search_bench::indexed(db).await;
        // A Re-sync writes the same text again: nothing to index again.
        store_body(db, fig, "quince paste").await;
        assert_eq!(
            search_index::queued(db).await.unwrap(),
            0,
            "{b}: not queued"
        );
        assert_eq!(
            search_bench::indexed(db).await,
            before,
            "{b}: still indexed"
        );
        w.expect(&w.owner, ALL, &[("quince", &[fig])]).await;
        // Other text is indexed again, and the old words no longer find it.
        store_body(db, fig, "medlar jelly").await;
        assert_eq!(search_index::queued(db).await.unwrap(), 1, "{b}: queued");
        w.expect(&w.owner, ALL, &[("medlar", &[fig]), ("quince", &[])])
            .await;
    })
    .await;
}
