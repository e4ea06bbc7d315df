//! A hostile IMAP server cannot make the sync hold more than its bounds, whatever it
//! declares: a small fake server over TLS lists thousands of folders, answers with garbage
//! and long control-character texts (lying sizes: `hostile_imap_sizes.rs`). On SQLite
//! and PostgreSQL where storage is involved. Needs the mail stack (its CA and certificate,
//! and the real Postfix for the connect wizard's SMTP check).

use crate::common;
use crate::fake_imap;
use crate::sync_round_trips::after_last_login;

use common::{
    hostile_mailbox::hostile_mailbox,
    mail_stack::stack,
    mailbox_fixtures::state,
    sync_fixtures::{engine, rows},
};
use domain::{Security, ServerAddress};
use fake_imap::{Behaviour, Bodies};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use services::{
    entities::{mailbox_folder, message},
    mail::{
        login::{CheckOptions, Login, MAX_FOLDER_NAME_BYTES, MAX_FOLDERS, check_imap},
        tls::MailTrust,
    },
    sync::{SyncEngine, error::MAX_ERROR_CHARS, schedule::Outcome, store::BodyState},
};
use std::time::{Duration, Instant};

#[tokio::test]
async fn the_folder_list_is_capped_in_count_and_name_length() {
    let s = stack();
    let fake = fake_imap::start(
        &s.ca,
        Behaviour {
            extra_folders: MAX_FOLDERS + 500,
            long_name: Some(MAX_FOLDER_NAME_BYTES * 2),
            ..Behaviour::default()
        },
    )
    .await;
    let opts = CheckOptions::new(MailTrust::new(Some(&s.ca)).unwrap());
    let server = ServerAddress {
        host: "localhost".into(),
        port: fake.port,
        security: Security::Tls,
    };
    let folders = check_imap(&server, &Login::new("m", "x"), &opts)
        .await
        .unwrap();
    // The first 1000 listed, and INBOX (listed last) all the same.
    assert_eq!(folders.len(), MAX_FOLDERS + 1);
    assert_eq!(folders[0].name, "INBOX");
    assert!(
        folders
            .iter()
            .all(|f| f.name.len() <= MAX_FOLDER_NAME_BYTES)
    );
}

fn printable_and_short(text: &str) -> bool {
    text.chars().count() <= MAX_ERROR_CHARS && !text.chars().any(char::is_control)
}

#[tokio::test]
async fn server_text_in_errors_is_printable_and_capped() {
    let s = stack();
    let t = common::sqlite().await;
    let st = state(t.db.clone(), &s);
    // Garbage no parser accepts: the run fails, its error quotes none of it; the same as
    // the answer to the EXAMINE sent with the LOGIN (a greeting that offers ENABLE).
    for condstore in [false, true] {
        let garbage = fake_imap::start(
            &s.ca,
            Behaviour {
                garbage: Some(100_000),
                condstore,
                ..Behaviour::default()
            },
        )
        .await;
        let id = hostile_mailbox(&st, &s, garbage.port).await;
        let outcome = engine(&st).sync_mailbox(id).await;
        let Outcome::Failed { error } = outcome else {
            panic!("expected a failure, got {outcome:?}");
        };
        eprintln!(
            "figures: garbage error kept as {} chars: {error}",
            error.chars().count()
        );
        assert!(printable_and_short(&error), "{error:?}");
        let sent = after_last_login(&garbage);
        assert_eq!(
            sent[0] == "ENABLE",
            condstore,
            "sent with the LOGIN: {sent:?}"
        );
    }
    // A refusal with 50,000 characters of text and escapes: the folder notes it, capped;
    // the same for the EXAMINE sent with the LOGIN (a greeting that offers ENABLE).
    for condstore in [false, true] {
        let refusing = fake_imap::start(
            &s.ca,
            Behaviour {
                refuse_examine: Some(50_000),
                condstore,
                ..Behaviour::default()
            },
        )
        .await;
        let id = hostile_mailbox(&st, &s, refusing.port).await;
        assert_eq!(engine(&st).sync_mailbox(id).await, Outcome::Synced);
        let noted = noted_error(&t.db, id).await;
        assert!(noted.starts_with("the server refused"), "{noted:?}");
        assert!(printable_and_short(&noted), "{noted:?}");
        let examined = refusing
            .commands()
            .iter()
            .filter(|c| c.starts_with("EXAMINE"))
            .count();
        assert_eq!(examined, 1, "condstore {condstore}: one EXAMINE, refused");
        let sent = after_last_login(&refusing);
        assert_eq!(
            sent[0] == "ENABLE",
            condstore,
            "sent with the LOGIN: {sent:?}"
        );
    }
}

/// What the mailbox's one folder noted of its last run's failure.
pub(crate) async fn noted_error(db: &sea_orm::DatabaseConnection, id: i64) -> String {
    let inbox = mailbox_folder::Entity::find()
        .filter(mailbox_folder::Column::MailboxId.eq(id))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    inbox.last_error.unwrap_or_default()
}

#[tokio::test]
async fn a_silent_server_ends_the_run_by_the_read_timeout() {
    let s = stack();
    let t = common::sqlite().await;
    let st = state(t.db.clone(), &s);
    let fake = fake_imap::start(
        &s.ca,
        Behaviour {
            bodies: Bodies::Silent,
            ..Behaviour::default()
        },
    )
    .await;
    let id = hostile_mailbox(&st, &s, fake.port).await;
    let mut engine = engine(&st);
    engine.limits.read_timeout = Duration::from_secs(1);
    let started = Instant::now();
    let outcome = engine.sync_mailbox(id).await;
    let took = started.elapsed();
    eprintln!(
        "figures: silent server, run ended after {} ms",
        took.as_millis()
    );
    assert_eq!(
        outcome,
        Outcome::Failed {
            error: "the server did not answer in time".into()
        }
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
    // Headers were kept before the silence; the bodies wait for the next run.
    assert_eq!(rows(&t.db, id).await.len(), 3);
}

/// A server tells of other clients' flag changes in the middle of every FETCH (flags-only
/// answers with a UID, for messages asked for and not): they are not taken for the
/// messages, so no row gets an empty envelope, a 1970 date or an empty body, and none is
/// stored twice.
#[tokio::test]
async fn flag_news_in_the_middle_of_a_fetch_are_not_taken_for_messages() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let behaviour = Behaviour {
            messages: 6,
            unsolicited_flags: true,
            ..Behaviour::default()
        };
        let (_fake, id, _) = synced_once(&st, &s, behaviour, 1, t.backend).await;
        each_once_and_whole(&t.db, id, 6, t.backend).await;
    }
}

/// A server answers the header pass's FETCH with flags, dates and sizes but `NIL` for every
/// message's header fields: each message is still listed, once, with the envelope of the
/// whole message (also when a first sync of a large folder shows its newest batch early),
/// and a second run changes nothing. With no room left for bodies, each is kept once
/// without an envelope rather than lost.
#[tokio::test]
async fn header_fields_answered_nil_still_list_every_message_whole() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let backend = t.backend;
        let plain = |_: &mut SyncEngine| {};
        let shown_early = |e: &mut SyncEngine| {
            e.limits.search_range = 2;
            e.limits.header_batch = 2;
        };
        for (case, tune) in [
            ("plain", &plain as &dyn Fn(&mut SyncEngine)),
            ("early", &shown_early),
        ] {
            let (_fake, id, engine) = synced_with_nil_headers(&st, &s, tune).await;
            each_once_and_whole(&t.db, id, 6, &format!("{backend} {case} run 1")).await;
            assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
            each_once_and_whole(&t.db, id, 6, &format!("{backend} {case} run 2")).await;
        }
        let no_room = |e: &mut SyncEngine| e.limits.mailbox_quota_bytes = 0;
        let (_fake, id, engine) = synced_with_nil_headers(&st, &s, &no_room).await;
        each_once_without_envelope(&t.db, id, &format!("{backend} no room run 1")).await;
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        each_once_without_envelope(&t.db, id, &format!("{backend} no room run 2")).await;
    }
}

/// Messages 1..=6 of the fake server, each stored once with its date and no envelope.
async fn each_once_without_envelope(db: &sea_orm::DatabaseConnection, id: i64, label: &str) {
    let mut rows = rows(db, id).await;
    rows.sort_by_key(|r| r.uid);
    assert_eq!(
        rows.iter()
            .map(|r| (r.uid, r.subject.as_str(), r.received_at.timestamp() > 0))
            .collect::<Vec<_>>(),
        (1..=6).map(|uid| (uid, "", true)).collect::<Vec<_>>(),
        "{label}: each message once, without an envelope"
    );
}

/// A fake server of six messages answering header fields with `NIL`, its mailbox synced
/// once by an engine tuned so. The server lives as long as the first value.
async fn synced_with_nil_headers(
    st: &services::AppState,
    s: &common::mail_stack::Stack,
    tune: &dyn Fn(&mut SyncEngine),
) -> (fake_imap::FakeImap, i64, SyncEngine) {
    let behaviour = Behaviour {
        messages: 6,
        nil_headers: true,
        ..Behaviour::default()
    };
    let fake = fake_imap::start(&s.ca, behaviour).await;
    let id = hostile_mailbox(st, s, fake.port).await;
    let mut engine = engine(st);
    tune(&mut engine);
    assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
    (fake, id, engine)
}

/// Messages 1..=`messages` of the fake server, each stored once with its envelope and body.
async fn each_once_and_whole(
    db: &sea_orm::DatabaseConnection,
    id: i64,
    messages: i64,
    backend: &str,
) {
    let mut rows = rows(db, id).await;
    rows.sort_by_key(|r| r.uid);
    assert_eq!(
        rows.iter().map(|r| r.uid).collect::<Vec<_>>(),
        (1..=messages).collect::<Vec<_>>(),
        "{backend}: each message once"
    );
    for row in &rows {
        let uid = row.uid;
        assert_eq!(row.subject, format!("Message {uid}"), "{backend}");
        assert_eq!(
            row.message_id.as_deref(),
            Some(format!("fake-{uid}@hostile.test").as_str()),
            "{backend}"
        );
        assert!(row.received_at.timestamp() > 0, "{backend}: uid {uid}");
        assert_eq!(row.body_state, BodyState::Stored, "{backend}: uid {uid}");
        assert!(
            row.text_body
                .as_deref()
                .is_some_and(|b| b.contains(&format!("Hello {uid}."))),
            "{backend}: uid {uid}: {:?}",
            row.text_body
        );
    }
}

/// A message the server leaves out of its answer is not forgotten: the folder's state is
/// not remembered, so the next run compares again (no "nothing changed" shortcut, even
/// with CONDSTORE saying so) and stores it once the server gives it; whether it was to
/// come whole or in the header pass.
#[tokio::test]
async fn a_message_left_out_of_an_answer_is_asked_for_again_next_run() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        for (path, header_batch) in [("whole", 1), ("header pass", 500)] {
            let backend = format!("{} {path}", t.backend);
            let behaviour = Behaviour {
                messages: 6,
                condstore: true,
                ..Behaviour::default()
            };
            behaviour
                .bodiless
                .store(2, std::sync::atomic::Ordering::SeqCst);
            let bodiless = behaviour.bodiless.clone();
            let (_fake, id, engine) = synced_once(&st, &s, behaviour, header_batch, &backend).await;
            let uids = |rows: Vec<message::Model>| {
                let mut uids: Vec<i64> = rows.iter().map(|r| r.uid).collect();
                uids.sort_unstable();
                uids
            };
            assert_eq!(uids(rows(&t.db, id).await), [1, 3, 4, 5, 6], "{backend}");

            bodiless.store(0, std::sync::atomic::Ordering::SeqCst);
            assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{backend}");
            let rows = rows(&t.db, id).await;
            let two = rows.iter().find(|r| r.uid == 2);
            assert!(
                two.is_some_and(|r| r.body_state == BodyState::Stored
                    && r.text_body
                        .as_deref()
                        .is_some_and(|b| b.contains("Hello 2."))),
                "{backend}: {:?}",
                two.map(|r| (&r.body_state, &r.text_body))
            );
            assert_eq!(uids(rows), [1, 2, 3, 4, 5, 6], "{backend}");
        }
    }
}

/// A fake server behaving so, its mailbox synced once: the header pass takes the newest
/// `header_batch` messages, the rest come whole. The server lives as long as the first
/// value.
async fn synced_once(
    st: &services::AppState,
    s: &common::mail_stack::Stack,
    behaviour: Behaviour,
    header_batch: usize,
    backend: &str,
) -> (fake_imap::FakeImap, i64, SyncEngine) {
    let fake = fake_imap::start(&s.ca, behaviour).await;
    let id = hostile_mailbox(st, s, fake.port).await;
    let mut engine = engine(st);
    engine.limits.header_batch = header_batch;
    assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{backend}");
    (fake, id, engine)
}
