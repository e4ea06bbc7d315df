//! A server that refuses a command mid-sync costs a run, never a message nor a change:
//! async-imap ends a SEARCH or a FETCH at its tagged answer without looking at it, and a
//! refusal read as "nothing found" would take every stored message for deleted, or let a
//! run remember a HIGHESTMODSEQ past flag changes it never applied. Against the fake IMAP
//! server (`tests/fake_imap`), on SQLite and PostgreSQL.

use crate::common;
use crate::fake_imap;
use crate::hostile_imap::noted_error;

use common::{
    hostile_mailbox::hostile_mailbox,
    mail_stack::stack,
    mailbox_fixtures::state,
    sync_fixtures::{engine, folder, rows},
};
use fake_imap::Behaviour;
use sea_orm::EntityTrait;
use services::{
    entities::mailbox,
    sync::{SyncError, fetch, schedule::Outcome},
};
use std::sync::atomic::Ordering;

#[tokio::test]
async fn a_refused_search_keeps_every_stored_message() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        // Without CONDSTORE the search goes alone; with it, beside the FETCH of the flags
        // changed, and the refusal must not leave the session out of step either.
        for condstore in [false, true] {
            let b = format!("{} CONDSTORE {condstore}", t.backend);
            let behaviour = Behaviour {
                condstore,
                ..Behaviour::default()
            };
            let (modseq, refuse) = (
                behaviour.highest_modseq.clone(),
                behaviour.refuse_search.clone(),
            );
            let (_fake, id) = synced_once(&st, &s, behaviour, &b).await;
            assert_eq!(rows(&t.db, id).await.len(), 3, "{b}");
            // A search the server refuses says nothing of what it holds: nothing is taken
            // for deleted, and the folder notes the refusal.
            modseq.store(2, Ordering::SeqCst);
            refuse.store(true, Ordering::SeqCst);
            assert_eq!(engine(&st).sync_mailbox(id).await, Outcome::Synced, "{b}");
            assert_eq!(rows(&t.db, id).await.len(), 3, "{b}: nothing removed");
            let noted = noted_error(&t.db, id).await;
            assert!(noted.starts_with("the server refused"), "{b}: {noted:?}");
            let remembered = folder(&t.db, id, "INBOX").await.highest_modseq;
            assert_eq!(
                remembered,
                condstore.then_some(1),
                "{b}: no state of a refused run"
            );
        }
    }
}

#[tokio::test]
async fn a_refused_flags_fetch_leaves_the_changes_to_the_next_run() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        let behaviour = Behaviour {
            condstore: true,
            ..Behaviour::default()
        };
        let (modseq, refuse) = (
            behaviour.highest_modseq.clone(),
            behaviour.refuse_flags.clone(),
        );
        let (_fake, id) = synced_once(&st, &s, behaviour, b).await;
        let remembered = || async { folder(&t.db, id, "INBOX").await.highest_modseq };
        assert_eq!(remembered().await, Some(1), "{b}");
        // Flags changed on the server, and their FETCH refused: the run must not
        // remember HIGHESTMODSEQ 2, or the changes before it would never be asked again.
        modseq.store(2, Ordering::SeqCst);
        refuse.store(true, Ordering::SeqCst);
        assert_eq!(engine(&st).sync_mailbox(id).await, Outcome::Synced, "{b}");
        assert_eq!(
            remembered().await,
            Some(1),
            "{b}: still the last one applied"
        );
        let noted = noted_error(&t.db, id).await;
        assert!(noted.starts_with("the server refused"), "{b}: {noted:?}");
        refuse.store(false, Ordering::SeqCst);
        assert_eq!(engine(&st).sync_mailbox(id).await, Outcome::Synced, "{b}");
        assert_eq!(remembered().await, Some(2), "{b}");
        assert_eq!(rows(&t.db, id).await.len(), 3, "{b}");
    }
}

#[tokio::test]
async fn a_refused_changedsince_falls_back_to_every_stored_rows_flags() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        let behaviour = Behaviour {
            condstore: true,
            ..Behaviour::default()
        };
        let (modseq, refuse) = (
            behaviour.highest_modseq.clone(),
            behaviour.refuse_changedsince.clone(),
        );
        let (fake, id) = synced_once(&st, &s, behaviour, b).await;
        // A server whose CONDSTORE refuses CHANGEDSINCE: the folder still syncs, its
        // flags compared in full, and the new state is remembered.
        modseq.store(2, Ordering::SeqCst);
        refuse.store(true, Ordering::SeqCst);
        assert_eq!(engine(&st).sync_mailbox(id).await, Outcome::Synced, "{b}");
        let inbox = folder(&t.db, id, "INBOX").await;
        assert_eq!(
            (inbox.highest_modseq, inbox.last_error),
            (Some(2), None),
            "{b}"
        );
        let commands = fake.commands();
        let refused = commands
            .iter()
            .rposition(|c| c.contains("CHANGEDSINCE"))
            .unwrap();
        assert!(
            commands[refused + 1..]
                .iter()
                .any(|c| c == "UID FETCH 1:3 (UID FLAGS)"),
            "{b}: every stored row's flags asked for: {commands:?}"
        );
    }
}

/// The fake server with `behaviour`, its mailbox connected and synced once.
async fn synced_once(
    st: &services::AppState,
    s: &common::mail_stack::Stack,
    behaviour: Behaviour,
    b: &str,
) -> (fake_imap::FakeImap, i64) {
    let fake = fake_imap::start(&s.ca, behaviour).await;
    let id = hostile_mailbox(st, s, fake.port).await;
    assert_eq!(engine(st).sync_mailbox(id).await, Outcome::Synced, "{b}");
    (fake, id)
}

/// The search every other command path uses (a copy in doubt, a Sent copy or a draft
/// found by Message-ID, the check for other clients' deletions before EXPUNGE): a refusal
/// is an error there too, never "not there" (which would copy or append twice, or expunge
/// what another client marked).
#[tokio::test]
async fn the_search_every_other_path_uses_reads_a_refusal_as_an_error() {
    let s = stack();
    let t = common::sqlite().await;
    let st = state(t.db.clone(), &s);
    let behaviour = Behaviour::default();
    let refuse = behaviour.refuse_search.clone();
    let fake = fake_imap::start(&s.ca, behaviour).await;
    let id = hostile_mailbox(&st, &s, fake.port).await;
    let row = mailbox::Entity::find_by_id(id)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    let mut session = engine(&st).log_in(&row).await.unwrap();
    session.select("INBOX").await.unwrap();
    let found = fetch::uid_search(&mut session, "DELETED").await.unwrap();
    assert_eq!(found, [1, 2, 3], "the fake finds every message");
    refuse.store(true, Ordering::SeqCst);
    let refused = fetch::uid_search(&mut session, "DELETED").await;
    assert!(matches!(refused, Err(SyncError::Refused(_))), "{refused:?}");
    session.logout().await.unwrap();
}

#[tokio::test]
async fn a_refused_fetch_of_bodies_leaves_its_messages_for_the_next_run() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        // 2,000 messages, the rest in fetches of 400 bodies, two in flight: the second
        // (UIDs 1,101–1,500) refused, as a server may refuse one naming a message another
        // session expunged (RFC 2180 §4.1).
        let behaviour = Behaviour {
            messages: 2000,
            ..Behaviour::default()
        };
        behaviour.refused_bodies.store(1200, Ordering::SeqCst);
        let refused = behaviour.refused_bodies.clone();
        let (_fake, id, mut engine) = crate::sync_round_trips::on_fake(&st, &s, behaviour).await;
        engine.limits.body_batch = 50;
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        let stored = rows(&t.db, id).await;
        assert_eq!(stored.len(), 1600, "{b}: all but the refused fetch's, once");
        assert!(
            stored.iter().all(|r| !(1101..=1500).contains(&r.uid)),
            "{b}"
        );
        refused.store(0, Ordering::SeqCst);
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        crate::sync_round_trips::every_message_once_stored(&t, id, 2000).await;
    }
}
