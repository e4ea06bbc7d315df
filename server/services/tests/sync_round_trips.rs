//! A link's round trip is paid once a fetch of several body batches, not once a batch; a
//! sync run does not wait for ENABLE's answer, nor for a first sync's first search before
//! asking for the newest headers, and a later run asks for the changed flags with its
//! first search: the fake server (`tests/fake_imap`) logs every command it gets. On
//! SQLite and PostgreSQL; needs the mail stack (its CA and certificate, and the real
//! Postfix for the connect wizard's SMTP check). The same paths against the real Dovecot
//! are here and in `sync_whole_rows.rs` (batches of 7 and 9, several to a fetch); a sync
//! run's log-in is in `sync_log_in.rs`.

use crate::common;
use crate::fake_imap;

use common::{
    hostile_mailbox::hostile_mailbox,
    mail_stack::stack,
    mailbox_fixtures::state,
    sync_fixtures::{
        connected, engine, folder, mail_user, new_since_last_run, other_client, rows, seed,
        store_flags,
    },
};
use fake_imap::Behaviour;
use services::sync::{schedule::Outcome, store::BodyState};
use std::{sync::atomic::Ordering, time::Duration};

/// UIDs a UID set names (`1:3,7` is four).
fn set_len(set: &str) -> usize {
    set.split(',')
        .map(|part| match part.split_once(':') {
            Some((a, b)) => {
                let (a, b): (usize, usize) = (a.parse().unwrap(), b.parse().unwrap());
                a.abs_diff(b) + 1
            }
            None => 1,
        })
        .sum()
}

/// The fake server with `behaviour`, its mailbox connected, and an engine for it.
pub(crate) async fn on_fake(
    st: &services::AppState,
    s: &common::mail_stack::Stack,
    behaviour: Behaviour,
) -> (fake_imap::FakeImap, i64, services::sync::SyncEngine) {
    let fake = fake_imap::start(&s.ca, behaviour).await;
    let id = hostile_mailbox(st, s, fake.port).await;
    (fake, id, engine(st))
}

#[tokio::test]
async fn one_fetch_asks_for_eight_batches_of_bodies() {
    bodies_in_fetches_of_eight_batches(false).await;
}

#[tokio::test]
async fn the_next_fetch_of_bodies_is_asked_before_the_one_before_is_answered() {
    // Each body fetch after the first of a pass, and the FETCH of flags, dates and sizes
    // of the rest of the new mail, answered to its end only once the next command has
    // come: a run that waited for each answer before asking the next (or asked for that
    // FETCH after the newest rows' bodies) would wait out its command timeout.
    bodies_in_fetches_of_eight_batches(true).await;
}

async fn bodies_in_fetches_of_eight_batches(late_pipelined: bool) {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        let behaviour = Behaviour {
            messages: 2000,
            late_pipelined,
            ..Behaviour::default()
        };
        let (fake, id, mut engine) = on_fake(&st, &s, behaviour).await;
        engine.limits.body_batch = 50;
        if late_pipelined {
            engine.limits.command_timeout = Duration::from_secs(10);
        }
        assert_eq!(engine.limits.batches_per_fetch, 8, "the default");
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");

        let rows = rows(&t.db, id).await;
        assert_eq!(rows.len(), 2000, "{b}: every message once");
        assert!(
            rows.iter().all(|r| r.body_state == BodyState::Stored),
            "{b}: every body stored"
        );
        let inbox = folder(&t.db, id, "INBOX").await;
        assert_eq!(
            (inbox.in_range, inbox.headers_done, inbox.bodies_done),
            (2000, 2000, 2000),
            "{b}: the folder's counts"
        );
        // The header pass's newest 100 (two batches: one fetch), then the other 1,900
        // in fetches of at most 400 (eight batches of 50): five of them.
        let sizes: Vec<usize> = fake
            .commands()
            .iter()
            .filter(|c| c.contains("BODY.PEEK[]"))
            .map(|c| set_len(c.split(' ').nth(2).unwrap()))
            .collect();
        assert_eq!(sizes, vec![100, 400, 400, 400, 400, 300], "{b}");
        // One folder: still selected after its header pass, not examined again.
        let examined = fake
            .commands()
            .iter()
            .filter(|c| c.starts_with("EXAMINE"))
            .count();
        assert_eq!(examined, 1, "{b}");
    }
}

#[tokio::test]
async fn a_sync_run_sends_its_first_examine_without_waiting_for_enable() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        // ENABLE answered only once the next command has arrived: a run that waited for
        // it would wait out its command timeout. Offered only once logged in, so ENABLE
        // does not go with the LOGIN (`sync_log_in`).
        let behaviour = Behaviour {
            condstore: true,
            late_enable: true,
            enable_after_login: true,
            ..Behaviour::default()
        };
        let (fake, id, mut engine) = on_fake(&st, &s, behaviour).await;
        engine.limits.command_timeout = Duration::from_secs(3);
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        let commands = fake.commands();
        let enable = commands
            .iter()
            .position(|c| c == "ENABLE CONDSTORE")
            .expect("ENABLE sent");
        assert!(
            commands[enable + 1].starts_with("EXAMINE"),
            "{b}: ENABLE, then EXAMINE: {commands:?}"
        );
        three_stored_with_modseq(&t.db, id, b).await;
    }
}

/// The fake server's three messages each stored once, whole, and the CONDSTORE shortcut
/// at work: INBOX's HIGHESTMODSEQ remembered. Returns INBOX's row.
pub(crate) async fn three_stored_with_modseq(
    db: &sea_orm::DatabaseConnection,
    id: i64,
    b: &str,
) -> services::entities::mailbox_folder::Model {
    let rows = rows(db, id).await;
    assert_eq!(rows.len(), 3, "{b}: every message once");
    assert!(
        rows.iter().all(|r| r.body_state == BodyState::Stored),
        "{b}"
    );
    let inbox = folder(db, id, "INBOX").await;
    assert_eq!(inbox.highest_modseq, Some(1), "{b}");
    inbox
}

#[tokio::test]
async fn a_first_sync_sends_its_newest_headers_without_waiting_for_its_search() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        // The first SEARCH answered only after the next command, out of order: a run that
        // waited for it before asking for the newest headers would wait out its command
        // timeout.
        let behaviour = Behaviour {
            messages: 30,
            late_search: true,
            ..Behaviour::default()
        };
        let (fake, id, mut engine) = on_fake(&st, &s, behaviour).await;
        engine.limits.command_timeout = Duration::from_secs(3);
        engine.limits.header_batch = 20;
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        let sent = after_last_login(&fake);
        let search = sent.iter().position(|c| c == "UID").expect("SEARCH sent");
        assert_eq!(
            sent[search - 1..search + 2],
            ["EXAMINE", "UID", "FETCH"],
            "{b}: SEARCH, then the newest headers by sequence number: {sent:?}"
        );
        let commands = fake.commands();
        assert!(
            commands.iter().any(|c| c.starts_with("FETCH 11:* ")),
            "{b}: the newest 20"
        );
        let searches = commands
            .iter()
            .filter(|c| c.starts_with("UID SEARCH"))
            .count();
        assert_eq!(
            searches, 1,
            "{b}: its answer read after the FETCH's: {commands:?}"
        );
        every_message_once_stored(&t, id, 30).await;
    }
}

/// The mailbox holds `n` rows, each message once, every body stored.
pub(crate) async fn every_message_once_stored(t: &common::TestDb, id: i64, n: usize) {
    let (b, rows) = (t.backend, rows(&t.db, id).await);
    assert_eq!(rows.len(), n, "{b}: every message once");
    assert!(
        rows.iter().all(|r| r.body_state == BodyState::Stored),
        "{b}"
    );
}

#[tokio::test]
async fn a_later_run_asks_for_the_changed_flags_with_its_first_search() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        // Each connection's first SEARCH answered only after the next command, out of
        // order: a later run that waited for it before asking for the flags changed would
        // wait out its command timeout.
        let behaviour = Behaviour {
            condstore: true,
            late_search: true,
            ..Behaviour::default()
        };
        let modseq = behaviour.highest_modseq.clone();
        let (fake, id, mut engine) = on_fake(&st, &s, behaviour).await;
        engine.limits.command_timeout = Duration::from_secs(3);
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        modseq.store(2, Ordering::SeqCst);
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        let commands = fake.commands();
        let login = commands
            .iter()
            .rposition(|c| c.starts_with("LOGIN"))
            .unwrap();
        let sent = &commands[login + 1..];
        let search = sent
            .iter()
            .position(|c| c.starts_with("UID SEARCH "))
            .unwrap();
        assert!(
            sent[search - 1].starts_with("EXAMINE")
                && sent[search + 1].contains("(CHANGEDSINCE 1)"),
            "{b}: EXAMINE, the search and the flags changed: {sent:?}"
        );
        let searches = sent.iter().filter(|c| c.starts_with("UID SEARCH")).count();
        let changed = sent.iter().filter(|c| c.contains("CHANGEDSINCE")).count();
        assert_eq!((searches, changed), (1, 1), "{b}: {sent:?}");
        assert_eq!(
            folder(&t.db, id, "INBOX").await.highest_modseq,
            Some(2),
            "{b}"
        );
        assert_eq!(rows(&t.db, id).await.len(), 3, "{b}: every message once");
    }
}

#[tokio::test]
async fn a_later_run_asks_for_its_new_mail_whole_with_its_first_search() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        // The changed flags answered only once the next command has arrived: a later run
        // that waited for them before asking for its new mail would wait out its command
        // timeout.
        let behaviour = Behaviour {
            condstore: true,
            late_changedsince: true,
            ..Behaviour::default()
        };
        let (fake, id, mut engine) = on_fake(&st, &s, behaviour).await;
        engine.limits.command_timeout = Duration::from_secs(3);
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        let inbox = folder(&t.db, id, "INBOX").await;
        let first = rows(&t.db, id)
            .await
            .into_iter()
            .find(|r| r.uid == 1)
            .unwrap();
        // As if UIDs 2 and 3 came after the last run.
        new_since_last_run(&t.db, inbox.id, 2).await;
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        let sent = &fake.commands()[fake
            .commands()
            .iter()
            .rposition(|c| c.starts_with("LOGIN"))
            .unwrap()
            + 1..];
        // One FETCH of the new mail, whole up to 64 KiB a message, in the search's round
        // trip; no header FETCH, no FETCH of bodies after it.
        let fetches: Vec<&String> = sent.iter().filter(|c| c.contains("BODY.PEEK")).collect();
        assert_eq!(fetches.len(), 1, "{b}: one FETCH of mail: {sent:?}");
        assert!(
            fetches[0].starts_with("UID FETCH 2:3 ") && fetches[0].contains("BODY.PEEK[]<0.65536>"),
            "{b}: {sent:?}"
        );
        let at = sent.iter().position(|c| c.contains("BODY.PEEK")).unwrap();
        assert!(
            sent[at - 1].contains("CHANGEDSINCE") && sent[at - 2].starts_with("UID SEARCH"),
            "{b}: {sent:?}"
        );
        let after = three_stored_with_modseq(&t.db, id, b).await;
        for row in rows(&t.db, id).await.iter().filter(|r| r.uid > 1) {
            let text = row.text_body.as_deref().unwrap_or_default();
            assert_eq!(
                text.trim(),
                format!("Hello {}.", row.uid),
                "{b}: body stored"
            );
        }
        assert_eq!(after.uidnext, Some(4), "{b}");
        let again = rows(&t.db, id)
            .await
            .into_iter()
            .find(|r| r.uid == 1)
            .unwrap();
        assert_eq!(again.id, first.id, "{b}: the row kept");
    }
}

#[tokio::test]
async fn dovecot_answers_a_later_runs_search_and_changed_flags_in_step() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        let user = mail_user("later");
        seed(&user, 30, "INBOX");
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let engine = engine(&st);
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        let first = rows(&t.db, id).await;
        let before: Vec<(i64, i64)> = first.iter().map(|r| (r.id, r.uid)).collect();
        let mut want: Vec<i64> = first.iter().filter(|r| r.flagged).map(|r| r.uid).collect();
        want.extend([3, 17]);
        want.sort_unstable_by(|a, b| b.cmp(a));
        want.dedup();
        // Another device flags two messages: a later run asks for the changes with its
        // search and keeps every row (the same ids), the flags applied.
        let mut other = other_client(&s, &user).await;
        other.select("INBOX").await.unwrap();
        store_flags(&mut other, "3,17", "+FLAGS (\\Flagged)").await;
        other.logout().await.ok();
        // And four new messages, which come with that search too, and a fifth larger than
        // what comes whole with it: its header row then, its body in the body pass.
        seed(&user, 4, "INBOX");
        let lines = "A line of a long letter.\r\n".repeat(4000);
        let big = format!(
            "From: Big <big@example.test>\r\nSubject: Big one\r\nMessage-ID: <big@example.test>\r\n\r\n{lines}The end.\r\n"
        );
        let mut other = other_client(&s, &user).await;
        other
            .append("INBOX", None, None, big.as_bytes())
            .await
            .unwrap();
        other.logout().await.ok();
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        let after = rows(&t.db, id).await;
        let (old, new): (Vec<_>, Vec<_>) = after.iter().partition(|r| r.uid <= 30);
        let kept: Vec<(i64, i64)> = old.iter().map(|r| (r.id, r.uid)).collect();
        assert_eq!(kept, before, "{b}: no row removed or added again");
        let mut new_uids: Vec<i64> = new.iter().map(|r| r.uid).collect();
        new_uids.sort_unstable();
        assert_eq!(new_uids, [31, 32, 33, 34, 35], "{b}: each new message once");
        assert!(new.iter().all(|r| r.body_state == BodyState::Stored), "{b}");
        let big = new.iter().find(|r| r.uid == 35).unwrap();
        let text = big.text_body.as_deref().unwrap_or_default();
        assert_eq!(big.subject, "Big one", "{b}");
        assert!(
            text.len() > 64 << 10 && text.trim_end().ends_with("The end."),
            "{b}"
        );
        let flagged: Vec<i64> = old.iter().filter(|r| r.flagged).map(|r| r.uid).collect();
        assert_eq!(flagged, want, "{b}");
        let inbox = folder(&t.db, id, "INBOX").await;
        assert!(inbox.last_error.is_none(), "{b}: {:?}", inbox.last_error);
        assert_eq!(inbox.uidnext, Some(36), "{b}: the state remembered");
    }
}

/// The names of the commands the fake server got after its last LOGIN.
pub(crate) fn after_last_login(fake: &fake_imap::FakeImap) -> Vec<String> {
    let commands = fake.commands();
    let login = commands
        .iter()
        .rposition(|c| c.starts_with("LOGIN"))
        .expect("LOGIN sent");
    commands[login + 1..]
        .iter()
        .filter_map(|c| c.split(' ').next())
        .map(str::to_owned)
        .collect()
}
