//! A first sync of an INBOX the connect wizard's check saw sends its first search and its
//! newest headers with its EXAMINE (behind the LOGIN), sized by the STATUS the check asked:
//! against the fake server, which answers the EXAMINE only once the next command has come
//! (a run that waited for that answer before searching waits out its time), and against
//! the real Dovecot, where the INBOX gained and lost mail between the check and the sync
//! (what the check saw only sizes what is asked: the app ends with exactly the server's
//! messages). On SQLite and PostgreSQL.

use crate::common;
use crate::fake_imap;

use common::{
    log_capture::Captured,
    mail_stack::stack,
    mailbox_fixtures::state,
    sync_fixtures::{
        assert_same, connected, engine, expunge, mail_user, other_client, rows, seed, store_flags,
    },
};
use fake_imap::Behaviour;
use services::sync::schedule::Outcome;
use std::time::Duration;

#[tokio::test]
async fn a_first_sync_of_an_inbox_the_check_saw_searches_with_its_examine() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        let behaviour = Behaviour {
            messages: 30,
            condstore: true,
            inbox_status: true,
            late_examine: true,
            ..Behaviour::default()
        };
        let (fake, id, mut engine) = crate::sync_round_trips::on_fake(&st, &s, behaviour).await;
        engine.limits.command_timeout = Duration::from_secs(3);
        engine.limits.header_batch = 20;
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        let commands = fake.commands();
        let login = commands
            .iter()
            .rposition(|c| c.starts_with("LOGIN"))
            .unwrap();
        let sent: Vec<&str> = commands[login + 1..].iter().map(String::as_str).collect();
        let behind = sent.len() >= 4
            && sent[0].starts_with("ENABLE")
            && sent[1].starts_with("EXAMINE")
            && sent[2].starts_with("UID SEARCH ")
            && sent[3].starts_with("FETCH 11:30 ");
        assert!(
            behind,
            "{b}: the search and the newest 20 (by the check's count) behind the EXAMINE: {sent:?}"
        );
        let searches = commands
            .iter()
            .filter(|c| c.starts_with("UID SEARCH"))
            .count();
        assert_eq!(searches, 1, "{b}: nothing searched twice: {commands:?}");
        crate::sync_round_trips::every_message_once_stored(&t, id, 30).await;
    }
}

#[tokio::test]
async fn what_the_check_saw_only_sizes_what_the_first_sync_asks() {
    let s = stack();
    let captured = Captured::install();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        // Mail that arrived after the check: newer than the check's count and UIDNEXT.
        let grown = mail_user("ahead-grown");
        seed(&grown, 12, "INBOX");
        let id = connected(&st, &s, &grown, &["INBOX"]).await;
        seed(&grown, 9, "INBOX");
        let mut grown_engine = engine(&st);
        grown_engine.limits.header_batch = 5;
        grown_engine.limits.search_range = 4;
        assert_eq!(grown_engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        assert_same(&st, &s, &grown, id, "INBOX").await;
        // Mail deleted after the check: the newest messages' set is past the folder's end.
        let shrunk = mail_user("ahead-shrunk");
        seed(&shrunk, 20, "INBOX");
        let id = connected(&st, &s, &shrunk, &["INBOX"]).await;
        let mut other = other_client(&s, &shrunk).await;
        other.select("INBOX").await.unwrap();
        store_flags(&mut other, "8:20", "+FLAGS (\\Deleted)").await;
        expunge(&mut other).await;
        let mut shrunk_engine = engine(&st);
        shrunk_engine.limits.header_batch = 5;
        assert_eq!(shrunk_engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        assert_same(&st, &s, &shrunk, id, "INBOX").await;
        assert_eq!(rows(&t.db, id).await.len(), 7, "{b}");
    }
    assert!(
        captured
            .text()
            .contains("the first search went with the EXAMINE"),
        "the first searches went with the EXAMINE"
    );
}
