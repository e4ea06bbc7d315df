//! Storing a batch of bodies or of flags changed elsewhere, or removing a batch of expunged
//! UIDs, finds each row through the unique (folder, UIDVALIDITY, UID) index, whatever the
//! database's statistics say: a folder grown since they were taken once made PostgreSQL
//! read every row of the folder for each statement of 100 bodies (a Re-sync of 100,000
//! bodies took minutes; docs/benchmarks.md, thirty-ninth round), and for each 500 expunged
//! UIDs (fortieth round).

use crate::search_fixtures::{Mail, World, each_world, put};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, Statement, TransactionTrait,
};
use services::{
    entities::message,
    sync::{
        parse::Content,
        store::{Flags, FolderKey, delete_uids, store_bodies_in, stored_rows, write_flags_in},
    },
};

/// Rows in the folder beside the batch: far more than PostgreSQL's statistics of the
/// template database (taken while `messages` was empty) let it expect, and enough that
/// reading them all costs more than looking up the batch's rows one by one.
const FOLDER_ROWS: i64 = 30_000;

/// A folder of `FOLDER_ROWS` + 1 rows, one stored and the rest copied from it under the
/// next UIDs in one statement; returns its key and the first UID.
async fn big_folder(w: &World) -> (FolderKey, i64) {
    let db = w.db();
    let first = put(db, w.own, w.inbox, Mail::titled("first", 1)).await;
    let model = message::Entity::find_by_id(first)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let rest = "message_id, thread_id, in_reply_to, \"references\", subject, from_name, \
                from_address, to_list, cc_list, reply_to, sent_at, received_at, size, seen, \
                flagged, answered, draft, body_state, text_body, html_body, snippet, \
                attachments, body_bytes, automated, crm_checked";
    db.execute_unprepared(&format!(
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {FOLDER_ROWS}) \
         INSERT INTO messages (mailbox_id, folder_id, uidvalidity, uid, {rest}) \
         SELECT mailbox_id, folder_id, uidvalidity, uid + g.n, {rest} FROM messages, g \
         WHERE messages.id = {first}"
    ))
    .await
    .unwrap();
    let key = FolderKey {
        mailbox_id: w.own,
        folder_id: w.inbox,
        uidvalidity: model.uidvalidity,
    };
    (key, model.uid)
}

/// On PostgreSQL, asserts that the transaction so far read at most three rows of
/// `messages` for each of `batch` rows (its own counts, up to date at once).
async fn assert_reads_only_its_own(txn: &DatabaseTransaction, w: &World, batch: usize) {
    let backend = txn.get_database_backend();
    if backend != DbBackend::Postgres {
        return;
    }
    let read = txn
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::BIGINT AS n \
             FROM pg_stat_xact_user_tables WHERE relname = 'messages'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert!(
        read <= 3 * batch as i64,
        "{}: {read} rows read for a batch of {batch} in a folder of {FOLDER_ROWS}",
        w.backend
    );
}

#[tokio::test]
async fn a_batch_of_bodies_reads_only_its_own_rows() {
    each_world(async |w| {
        let db = w.db();
        let b = w.backend;
        let (key, first_uid) = big_folder(&w).await;
        let batch: Vec<(i64, Content)> = (1..=100)
            .map(|n| {
                let uid = first_uid + n * 7;
                let content = Content {
                    text: Some(format!("body of {uid}")),
                    html: None,
                    snippet: format!("snippet {uid}"),
                    attachments: Vec::new(),
                };
                (uid, content)
            })
            .collect();
        let txn = db.begin().await.unwrap();
        store_bodies_in(&txn, key, &batch).await.unwrap();
        assert_reads_only_its_own(&txn, &w, batch.len()).await;
        txn.commit().await.unwrap();
        for (uid, content) in &batch {
            let got = message::Entity::find()
                .filter(message::Column::FolderId.eq(w.inbox))
                .filter(message::Column::Uid.eq(*uid))
                .one(db)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(got.text_body, content.text, "{b}: UID {uid}");
            assert_eq!(got.snippet, content.snippet, "{b}: UID {uid}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_batch_of_expunged_uids_reads_only_its_own_rows() {
    each_world(async |w| {
        let db = w.db();
        let b = w.backend;
        let (key, first_uid) = big_folder(&w).await;
        let gone: Vec<i64> = (1..=100).map(|n| first_uid + n * 7).collect();
        let txn = db.begin().await.unwrap();
        let removed = delete_uids(&txn, key, &gone).await.unwrap();
        assert_reads_only_its_own(&txn, &w, gone.len()).await;
        txn.commit().await.unwrap();
        assert_eq!(removed, gone.len() as u64, "{b}");
        let left = message::Entity::find()
            .filter(message::Column::FolderId.eq(w.inbox))
            .filter(message::Column::Uid.is_in(gone.iter().copied()))
            .count(db)
            .await
            .unwrap();
        assert_eq!(left, 0, "{b}");
    })
    .await;
}

#[tokio::test]
async fn a_batch_of_changed_flags_reads_only_its_own_rows() {
    each_world(async |w| {
        let db = w.db();
        let b = w.backend;
        let (key, first_uid) = big_folder(&w).await;
        // More than one statement's 200 rows, each UID with its own mix of flags.
        let changed: Vec<(i64, Flags)> = (1..=300)
            .map(|n| {
                let flags = Flags {
                    seen: n % 2 == 0,
                    flagged: n % 3 == 0,
                    answered: n % 5 == 0,
                    draft: n % 7 == 0,
                };
                (first_uid + n * 11, flags)
            })
            .collect();
        let txn = db.begin().await.unwrap();
        write_flags_in(&txn, key, &changed).await.unwrap();
        assert_reads_only_its_own(&txn, &w, changed.len()).await;
        txn.commit().await.unwrap();
        let stored = stored_rows(db, key).await.unwrap().flags;
        for (uid, flags) in &changed {
            assert_eq!(stored.get(uid), Some(flags), "{b}: UID {uid}");
        }
        // The rows between them kept the copied row's flags.
        let first = stored[&first_uid];
        for uid in [first_uid + 1, first_uid + 12, first_uid + 3_301] {
            assert_eq!(stored[&uid], first, "{b}: UID {uid}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_batch_of_the_search_index_reads_only_its_own_rows() {
    each_world(async |w| {
        let db = w.db();
        let b = w.backend;
        // Every copied row is queued for the index by the insert's trigger.
        big_folder(&w).await;
        let batch = services::mail_view::search_index::BATCH;
        let txn = db.begin().await.unwrap();
        let left = services::mail_view::search_index::catch_up(&txn, batch)
            .await
            .unwrap();
        assert_reads_only_its_own(&txn, &w, batch as usize).await;
        txn.commit().await.unwrap();
        assert!(
            left > 0 && left <= FOLDER_ROWS as u64 + 1 - batch,
            "{b}: {left} left"
        );
    })
    .await;
}
