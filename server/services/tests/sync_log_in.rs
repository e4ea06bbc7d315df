//! A sync run's log-in: its first EXAMINE goes out with the LOGIN where the server offers
//! ENABLE before login (Dovecot does), and no session asks for the capabilities its
//! LOGIN's OK told. Against the fake server (`tests/fake_imap`), which logs every command
//! it gets, and the real Dovecot; on SQLite and PostgreSQL.

use crate::common;
use crate::sync_round_trips::{after_last_login, on_fake, three_stored_with_modseq};

use crate::fake_imap::{self, Behaviour};
use base64::{Engine, engine::general_purpose::STANDARD};
use common::{
    mail_stack::stack,
    mailbox_fixtures::state,
    sync_fixtures::{connected, engine, folder, mail_user, rows, seed},
};
use sea_orm::EntityTrait;
use services::entities::mailbox;
use services::sync::{error::SyncError, fetch, schedule::Outcome};
use std::{sync::atomic::Ordering, time::Duration};

#[tokio::test]
async fn a_sync_run_sends_its_first_examine_with_its_login() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        let behaviour = Behaviour {
            condstore: true,
            caps_on_login: true,
            ..Behaviour::default()
        };
        let late_login = behaviour.late_login.clone();
        let (fake, id, mut engine) = on_fake(&st, &s, behaviour).await;
        // LOGIN answered only once the next command has arrived: a run that waited for
        // it before sending ENABLE and EXAMINE would wait out its connect timeout.
        late_login.store(true, Ordering::SeqCst);
        engine.connect_timeout = Duration::from_secs(3);
        engine.limits.command_timeout = Duration::from_secs(3);
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        let commands = fake.commands();
        let login = commands.iter().rposition(|c| c.starts_with("LOGIN"));
        let login = login.expect("LOGIN sent");
        assert_eq!(
            commands[login + 1..login + 3],
            ["ENABLE CONDSTORE", "EXAMINE \"INBOX\""],
            "{b}: {commands:?}"
        );
        // Examined once, with the LOGIN: still selected for its bodies.
        let examined = commands.iter().filter(|c| c.starts_with("EXAMINE")).count();
        assert_eq!(examined, 1, "{b}: {commands:?}");
        let inbox = three_stored_with_modseq(&t.db, id, b).await;
        assert_eq!(inbox.uidnext, Some(4), "{b}: the pipelined EXAMINE's state");
    }
}

#[tokio::test]
async fn no_session_asks_for_the_capabilities_its_log_in_told() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        for told in [true, false] {
            // CONDSTORE offered; whether the LOGIN's OK says so or only CAPABILITY does.
            let behaviour = Behaviour {
                condstore: true,
                caps_on_login: told,
                ..Behaviour::default()
            };
            let (fake, id, engine) = on_fake(&st, &s, behaviour).await;
            let asked: &[&str] = if told { &[] } else { &["CAPABILITY"] };

            // A sync run: ENABLE and EXAMINE behind the LOGIN (the greeting offered
            // ENABLE), whose answers come next, and no CAPABILITY either way.
            assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b} {told}");
            let sent = after_last_login(&fake);
            assert_eq!(
                sent[..3],
                ["ENABLE", "EXAMINE", "UID"],
                "{b}, told on LOGIN: {told}: {sent:?}"
            );
            // Either way CONDSTORE is known and used: HIGHESTMODSEQ remembered.
            let inbox = folder(&t.db, id, "INBOX").await;
            assert_eq!(inbox.highest_modseq, Some(1), "{b} {told}");
            let stored = rows(&t.db, id).await.len();
            assert_eq!(stored, 3, "{b} {told}: every message once");

            // A write-back's session: no ENABLE (it needs no CONDSTORE) either.
            let row = mailbox::Entity::find_by_id(id)
                .one(&t.db)
                .await
                .unwrap()
                .unwrap();
            let (mut session, offered) = engine.log_in_offering(&row).await.unwrap();
            assert!(offered.iter().any(|c| c == "CONDSTORE"), "{b} {told}");
            session.logout().await.unwrap();
            let sent = after_last_login(&fake);
            assert_eq!(sent, [asked, &["LOGOUT"]].concat(), "{b} {told}");
        }
    }
}

#[tokio::test]
async fn dovecot_tells_its_capabilities_on_login() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        let user = mail_user("caps");
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let row = mailbox::Entity::find_by_id(id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        // What a write-back uses (MOVE, UIDPLUS) and what a sync run enables, from the
        // real server's LOGIN answer or its CAPABILITY.
        let (mut session, offered) = engine(&st).log_in_offering(&row).await.unwrap();
        for name in ["MOVE", "UIDPLUS", "CONDSTORE", "ENABLE"] {
            assert!(
                offered.iter().any(|c| c == name),
                "{b}: {name} in {offered:?}"
            );
        }
        session.logout().await.unwrap();
    }
}

#[tokio::test]
async fn dovecot_answers_an_examine_sent_with_its_login() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        let user = mail_user("pipelined");
        seed(&user, 5, "INBOX");
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let row = mailbox::Entity::find_by_id(id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        let engine = engine(&st);
        // Dovecot's greeting offers ENABLE: the EXAMINE goes with the LOGIN, and its
        // answer comes with the session, as an EXAMINE of its own tells it.
        let examining = engine.log_in_examining(&row, Some("INBOX"), None);
        let (mut session, told) = examining.await.unwrap();
        let told = told.expect("sent with the LOGIN").state.unwrap();
        assert_eq!(told.exists, 5, "{b}");
        assert!(told.highest_modseq.is_some(), "{b}: CONDSTORE enabled");
        let again = fetch::examine(&mut session, "INBOX").await.unwrap();
        assert_eq!(told, again, "{b}");
        session.logout().await.unwrap();
        // A folder the server does not have: refused, and the session goes on.
        let (mut session, told) = engine
            .log_in_examining(&row, Some("Nowhere"), None)
            .await
            .unwrap();
        let told = told.map(|examined| examined.state);
        assert!(
            matches!(told, Some(Err(SyncError::Refused(_)))),
            "{b}: {told:?}"
        );
        let inbox = fetch::examine(&mut session, "INBOX").await.unwrap();
        assert_eq!(inbox.exists, 5, "{b}");
        session.logout().await.unwrap();
    }
}

/// The fake server offering CONDSTORE (and ENABLE before login), its mailbox connected,
/// on SQLite; with the behaviour, whose shared knobs are the server's.
async fn condstore_fake() -> (
    common::TestDb,
    fake_imap::FakeImap,
    i64,
    services::sync::SyncEngine,
    Behaviour,
) {
    let s = stack();
    let t = common::sqlite().await;
    let st = state(t.db.clone(), &s);
    let behaviour = Behaviour {
        condstore: true,
        ..Behaviour::default()
    };
    let (fake, id, engine) = on_fake(&st, &s, behaviour.clone()).await;
    (t, fake, id, engine, behaviour)
}

#[tokio::test]
async fn a_host_that_leaves_what_came_with_the_login_unanswered_gets_it_no_more() {
    let (t, fake, id, mut engine, knobs) = condstore_fake().await;
    let silent = knobs.silent_enable;
    engine.connect_timeout = Duration::from_secs(2);
    // The ENABLE sent with the LOGIN never answered, as by a server that lost it: once
    // the log-in's time is out the run logs in again without it, and syncs.
    silent.store(true, Ordering::SeqCst);
    assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
    let commands: Vec<String> = fake
        .commands()
        .iter()
        .map(|c| c.split(' ').next().unwrap().to_owned())
        .collect();
    let logins: Vec<usize> = commands
        .iter()
        .enumerate()
        .filter(|(_, c)| *c == "LOGIN")
        .map(|(i, _)| i)
        .collect();
    let (lost, again) = (logins[logins.len() - 2], logins[logins.len() - 1]);
    assert_eq!(
        commands[lost + 1..again],
        ["ENABLE", "EXAMINE"],
        "{commands:?}"
    );
    // Alone: CAPABILITY (the LOGIN told none), then ENABLE (not waited for) and EXAMINE.
    assert_eq!(
        commands[again + 1..again + 4],
        ["CAPABILITY", "ENABLE", "EXAMINE"],
        "{commands:?}"
    );
    // And so the host's next sessions.
    every_message_and_then_alone(&t, &fake, id, &engine, &silent).await;
}

/// The fake server's three messages stored once; then, with `knob` off, the host's next
/// session logs in alone: CAPABILITY (the LOGIN told none), ENABLE and EXAMINE after it.
async fn every_message_and_then_alone(
    t: &common::TestDb,
    fake: &fake_imap::FakeImap,
    id: i64,
    engine: &services::sync::SyncEngine,
    knob: &std::sync::atomic::AtomicBool,
) {
    assert_eq!(rows(&t.db, id).await.len(), 3, "every message once");
    knob.store(false, Ordering::SeqCst);
    assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
    let sent = after_last_login(fake);
    assert_eq!(sent[..3], ["CAPABILITY", "ENABLE", "EXAMINE"], "{sent:?}");
}

#[tokio::test]
async fn a_host_that_refuses_what_came_with_the_login_gets_it_no_more() {
    let (t, fake, id, engine, knobs) = condstore_fake().await;
    let refuse = knobs.refuse_enable;
    // The ENABLE sent with the LOGIN refused: the session goes on, its folder examined
    // on its own (the pipelined EXAMINE's answer read and left), and the run syncs.
    refuse.store(true, Ordering::SeqCst);
    assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
    let sent = after_last_login(&fake);
    assert_eq!(sent[..3], ["ENABLE", "EXAMINE", "EXAMINE"], "{sent:?}");
    assert_eq!(
        fake.commands()
            .iter()
            .filter(|c| c.starts_with("LOGIN"))
            .count(),
        2
    );
    // The host's next sessions log in alone.
    every_message_and_then_alone(&t, &fake, id, &engine, &refuse).await;
}

#[tokio::test]
async fn authenticate_sends_its_message_with_the_command_where_sasl_ir_is_offered() {
    let s = stack();
    let t = common::sqlite().await;
    let st = state(t.db.clone(), &s);
    for sasl_ir in [false, true] {
        // LOGIN disabled: AUTHENTICATE PLAIN, with SASL-IR its message on the same line.
        let behaviour = Behaviour {
            login_disabled: true,
            sasl_ir,
            ..Behaviour::default()
        };
        let (fake, id, engine) = on_fake(&st, &s, behaviour).await;
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{sasl_ir}");
        let plain = STANDARD.encode("\0mallory@hostile.test\0anything-goes");
        let commands = fake.commands();
        let auth: Vec<&String> = commands
            .iter()
            .filter(|c| c.starts_with("AUTHENTICATE"))
            .collect();
        let want = if sasl_ir {
            format!("AUTHENTICATE PLAIN {plain}")
        } else {
            "AUTHENTICATE PLAIN".to_owned()
        };
        assert!(
            !auth.is_empty() && auth.iter().all(|c| **c == want),
            "{sasl_ir}: {auth:?}"
        );
        assert!(
            !commands.iter().any(|c| c.starts_with("LOGIN")),
            "{commands:?}"
        );
    }
}
