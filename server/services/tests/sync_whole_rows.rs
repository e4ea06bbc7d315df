//! The initial sync's shape against the real Dovecot, on SQLite and PostgreSQL: the header
//! pass stores only the newest batch (the list shows at once); the rest of the new mail is
//! fetched once as whole messages and inserted once as complete rows, never inserted and
//! then updated. Messages kept without their bodies (too large, no room in the quota) still
//! get their envelopes. A second run changes nothing.

use crate::common;

use common::{
    TestDb,
    mail_stack::stack,
    mailbox_fixtures::state,
    sync_fixtures::{
        assert_same, connected, engine, folder, mail_user, other_client, rows, seed, store_flags,
        sync_and_compare,
    },
};
use futures_util::TryStreamExt;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait};
use services::{
    entities::{mailbox, message},
    sync::{
        SyncEngine,
        fetch::ImapSession,
        folder::{HeaderPass, body_pass, header_pass},
        parse::{Envelope, envelope_or_default},
        run::range_of,
        store::{BodyState, Quota},
    },
};
use std::collections::HashMap;

/// Counts every UPDATE of a `messages` row from now on, in `test_row_updates`.
async fn count_row_updates(t: &TestDb) {
    let statements: &[&str] = match t.db.get_database_backend() {
        DbBackend::Postgres => &[
            "CREATE TABLE test_row_updates (n INT)",
            "CREATE FUNCTION test_count_update() RETURNS trigger AS $$ BEGIN \
             INSERT INTO test_row_updates VALUES (1); RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER test_count_updates AFTER UPDATE ON messages FOR EACH ROW \
             EXECUTE FUNCTION test_count_update()",
        ],
        _ => &[
            "CREATE TABLE test_row_updates (n INTEGER)",
            "CREATE TRIGGER test_count_updates AFTER UPDATE ON messages BEGIN \
             INSERT INTO test_row_updates VALUES (1); END",
        ],
    };
    for sql in statements {
        t.db.execute_unprepared(sql).await.unwrap();
    }
}

async fn row_updates(db: &DatabaseConnection) -> i64 {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM test_row_updates",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// `items` of every message in the user's INBOX, as another client fetches them.
pub(crate) async fn inbox_fetch(
    s: &common::mail_stack::Stack,
    user: &str,
    items: &str,
) -> Vec<async_imap::types::Fetch> {
    let mut imap = other_client(s, user).await;
    imap.examine("INBOX").await.unwrap();
    let fetches = imap
        .uid_fetch("1:*", items)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    imap.logout().await.ok();
    fetches
}

/// Every row's envelope is what the header block alone gives (as the header pass would
/// have stored it).
async fn assert_envelopes_as_headers_give(
    s: &common::mail_stack::Stack,
    user: &str,
    rows: &[message::Model],
    b: &str,
) {
    let fetches = inbox_fetch(s, user, "(UID BODY.PEEK[HEADER])").await;
    let by_uid: HashMap<i64, Envelope> = fetches
        .iter()
        .map(|f| {
            let header = f.header().unwrap_or_default();
            (i64::from(f.uid.unwrap()), envelope_or_default(header))
        })
        .collect();
    for r in rows {
        let e = &by_uid[&r.uid];
        let stored = (
            &r.message_id,
            &r.subject,
            &r.from_address,
            r.sent_at,
            r.automated,
        );
        let header = (
            &e.message_id,
            &e.subject,
            &e.from.address,
            e.sent_at,
            e.automated,
        );
        assert_eq!(stored, header, "{b}: uid {}", r.uid);
        let stored = (&r.to_list.0, &r.cc_list.0, &r.reply_to.0, &r.in_reply_to);
        let header = (&e.to, &e.cc, &e.reply_to, &e.in_reply_to);
        assert_eq!(stored, header, "{b}: uid {}", r.uid);
        // Without ids or a reply subject a thread is named by a hash of the bytes read,
        // which differ between a header block and a whole message.
        if !e.thread_id.starts_with("raw:") {
            assert_eq!(r.thread_id, e.thread_id, "{b}: uid {}", r.uid);
        }
    }
}

/// One run split into its passes, so the test can look between them.
pub(crate) async fn passes(
    engine: &SyncEngine,
    db: &DatabaseConnection,
    id: i64,
) -> Vec<message::Model> {
    let (mut session, pass) = inbox_header_pass(engine, db, id).await;
    let quota = Quota::load(db, id, engine.limits.mailbox_quota_bytes)
        .await
        .unwrap();
    let after_headers = rows(db, id).await;
    let inbox = folder(db, id, "INBOX").await;
    // INBOX is still selected after its header pass, as in a run of one folder.
    let mut selected = Some(inbox.id);
    body_pass(
        &mut session,
        db,
        &inbox,
        pass,
        &engine.limits,
        &quota,
        &mut selected,
    )
    .await
    .unwrap();
    session.logout().await.ok();
    after_headers
}

/// Logs in and runs INBOX's header pass only; the session is left open.
pub(crate) async fn inbox_header_pass(
    engine: &SyncEngine,
    db: &DatabaseConnection,
    id: i64,
) -> (ImapSession, HeaderPass) {
    let row = mailbox::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut session = engine.log_in(&row).await.unwrap();
    let inbox = folder(db, id, "INBOX").await;
    let range = range_of(&row, chrono::Utc::now());
    let quota = Quota::load(db, id, engine.limits.mailbox_quota_bytes)
        .await
        .unwrap();
    let limits = &engine.limits;
    let pass = header_pass(&mut session, db, &inbox, &range, limits, &quota, None)
        .await
        .unwrap();
    (session, pass)
}

#[tokio::test]
async fn the_newest_batch_comes_first_and_the_rest_is_written_once() {
    let s = stack();
    let user = mail_user("whole");
    seed(&user, 130, "INBOX");
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let mut engine = engine(&st);
        engine.limits.header_batch = 20;
        engine.limits.body_batch = 7;
        count_row_updates(&t).await;

        let after_headers = passes(&engine, &t.db, id).await;
        let b = t.backend;
        assert_eq!(
            after_headers.len(),
            20,
            "{b}: the header pass stores the newest batch only"
        );
        assert_eq!(after_headers.first().map(|r| r.uid), Some(130), "{b}");
        assert_eq!(after_headers.last().map(|r| r.uid), Some(111), "{b}");
        assert!(
            after_headers
                .iter()
                .all(|r| r.body_state == BodyState::Pending),
            "{b}"
        );

        let all = rows(&t.db, id).await;
        assert_eq!(all.len(), 130, "{b}");
        let not_stored: Vec<_> = all
            .iter()
            .filter(|r| r.body_state != BodyState::Stored)
            .map(|r| (r.uid, r.body_state, r.size))
            .collect();
        assert!(not_stored.is_empty(), "{b}: {not_stored:?}");
        assert_envelopes_as_headers_give(&s, &user, &all, b).await;
        assert_eq!(
            row_updates(&t.db).await,
            20,
            "{b}: only the header-first rows are updated (with their bodies)"
        );
        assert_same(&st, &s, &user, id, "INBOX").await;
        let inbox = folder(&t.db, id, "INBOX").await;
        assert_eq!(
            (inbox.headers_done, inbox.bodies_done, inbox.in_range),
            (130, 130, 130),
            "{b}"
        );

        // A second run finds nothing to do.
        sync_and_compare(&engine, &st, &s, &user, id, &["INBOX"]).await;
        assert_eq!(row_updates(&t.db).await, 20, "{b}: nothing rewritten");
    }
}

/// The header pass asks a server for the envelope's fields only
/// (`parse::ENVELOPE_FIELDS`), not the whole header block: its rows are what the whole
/// block gives, for every kind of seeded message (charsets, raw 8-bit lines, folded
/// references, list mail).
#[tokio::test]
async fn header_pass_rows_are_what_the_whole_header_block_gives() {
    let s = stack();
    let user = mail_user("fields");
    seed(&user, 150, "INBOX");
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let mut engine = engine(&st);
        engine.limits.first_rows = 150;
        let (mut session, _) = inbox_header_pass(&engine, &t.db, id).await;
        session.logout().await.ok();
        let b = t.backend;
        let after_headers = rows(&t.db, id).await;
        assert_eq!(
            after_headers.len(),
            150,
            "{b}: every row from the header pass"
        );
        assert!(
            after_headers.iter().any(|r| r.automated) && after_headers.iter().any(|r| !r.automated),
            "{b}: list mail and personal mail among them"
        );
        assert_envelopes_as_headers_give(&s, &user, &after_headers, b).await;
    }
}

#[tokio::test]
async fn rows_kept_without_bodies_still_get_their_envelopes() {
    let s = stack();
    let user = mail_user("wholecap");
    seed(&user, 80, "INBOX");
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let mut engine = engine(&st);
        engine.limits.header_batch = 10;
        engine.limits.body_batch = 9;
        // Some seeded messages carry attachments and are larger than this.
        engine.limits.max_message_bytes = 6_000;
        engine.limits.mailbox_quota_bytes = 40_000;
        passes(&engine, &t.db, id).await;

        let b = t.backend;
        let all = rows(&t.db, id).await;
        assert_eq!(all.len(), 80, "{b}");
        let state_count = |state| all.iter().filter(|r| r.body_state == state).count();
        let (stored, too_large, over) = (
            state_count(BodyState::Stored),
            state_count(BodyState::TooLarge),
            state_count(BodyState::OverQuota),
        );
        eprintln!("figures {b}: stored {stored}, too large {too_large}, over quota {over}");
        assert!(
            stored > 0 && too_large > 0 && over > 0,
            "{b}: every kind of row"
        );
        assert_eq!(stored + too_large + over, 80, "{b}");
        assert!(
            all.iter()
                .all(|r| !r.from_address.is_empty() && !r.subject.is_empty()),
            "{b}: every row has its envelope"
        );
        let kept: i64 = all.iter().map(|r| r.body_bytes).sum();
        assert!(kept <= 40_000, "{b}: bodies within the quota ({kept})");
        assert_same(&st, &s, &user, id, "INBOX").await;
        let inbox = folder(&t.db, id, "INBOX").await;
        assert_eq!((inbox.headers_done, inbox.bodies_done), (80, 80), "{b}");
    }
}

#[tokio::test]
async fn a_folder_searched_in_uid_ranges_loses_and_keeps_nothing_extra() {
    let s = stack();
    for t in common::databases().await {
        let user = mail_user("ranges");
        seed(&user, 60, "INBOX");
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let mut engine = engine(&st);
        // 60 messages in ranges of 7 UIDs: 1:7, 8:14, … and the last one open (`57:*`).
        engine.limits.search_range = 7;
        engine.limits.header_batch = 20;
        sync_and_compare(&engine, &st, &s, &user, id, &["INBOX"]).await;
        // Removed on the server at both ends and inside a range; one more arrives above
        // the UIDNEXT of the first run.
        let mut imap = other_client(&s, &user).await;
        imap.select("INBOX").await.unwrap();
        let deleted: Vec<_> = imap
            .uid_store("1,7:8,30,60", "+FLAGS (\\Deleted)")
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(deleted.len(), 5);
        let expunged: Vec<_> = imap.expunge().await.unwrap().try_collect().await.unwrap();
        assert_eq!(expunged.len(), 5);
        imap.logout().await.ok();
        seed(&user, 1, "INBOX");
        sync_and_compare(&engine, &st, &s, &user, id, &["INBOX"]).await;
        assert_eq!(rows(&t.db, id).await.len(), 56, "{}", t.backend);
    }
}

#[tokio::test]
async fn a_flag_changed_while_a_first_sync_is_unfinished_reaches_the_app() {
    let s = stack();
    for t in common::databases().await {
        let user = mail_user("unfinished");
        seed(&user, 30, "INBOX");
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let mut engine = engine(&st);
        engine.limits.header_batch = 10;
        // The first run is cut right after its header pass: the newest 10 are stored, the
        // rest is not, and no server state is remembered for the folder.
        let (mut session, _) = inbox_header_pass(&engine, &t.db, id).await;
        session.logout().await.ok();
        let stored = rows(&t.db, id).await;
        assert_eq!(stored.len(), 10, "{}", t.backend);
        assert!(folder(&t.db, id, "INBOX").await.highest_modseq.is_none());
        // Another device reads and flags one of those stored messages.
        let read = stored.iter().find(|r| !r.seen).unwrap().uid;
        let mut other = other_client(&s, &user).await;
        other.select("INBOX").await.unwrap();
        store_flags(&mut other, &read.to_string(), "+FLAGS (\\Seen \\Flagged)").await;
        other.logout().await.ok();

        sync_and_compare(&engine, &st, &s, &user, id, &["INBOX"]).await;
        let after = rows(&t.db, id).await;
        let row = after.iter().find(|r| r.uid == read).unwrap();
        assert!(
            row.seen && row.flagged,
            "{}: flags of UID {read}",
            t.backend
        );
    }
}
