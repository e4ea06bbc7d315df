//! A first sync of an INBOX the connect wizard's check saw sends its first search and its
//! newest headers with its EXAMINE (behind the LOGIN), sized by the STATUS the check asked:
//! against the fake server, which answers the EXAMINE only once the next command has come
//! (a run that waited for that answer before searching waits out its time), and against
//! the real Dovecot, where the INBOX gained and lost mail between the check and the sync
//! (what the check saw only sizes what is asked: the app ends with exactly the server's
//! messages), where the check was told another count than the folder holds, and where
//! STATUS goes unanswered. On SQLite and PostgreSQL.

use crate::common;
use crate::fake_imap;

use common::{
    log_capture::Captured,
    mail_stack::stack,
    mailbox_fixtures::state,
    sync_fixtures::{
        connected, engine, expunge, mail_user, other_client, rows, seed, store_flags,
        sync_and_compare,
    },
};
use fake_imap::Behaviour;
use services::sync::schedule::Outcome;
use std::time::Duration;

/// The fake server with 30 messages in INBOX, CONDSTORE, and `seen` as the count its
/// STATUS tells the check (none: a bare OK; EXAMINE's answer held until the next command
/// with `late`), its mailbox connected, and an engine for it with header batches of 20.
async fn thirty_seen_as(
    t: &common::TestDb,
    s: &common::mail_stack::Stack,
    seen: Option<u32>,
    late: bool,
) -> (fake_imap::FakeImap, i64, services::sync::SyncEngine) {
    let behaviour = Behaviour {
        condstore: true,
        inbox_status: seen,
        late_examine: late,
        ..Behaviour::default()
    };
    thirty(t, s, behaviour).await
}

/// The fake server as `behaviour` says, with 30 messages in INBOX, its mailbox connected,
/// and an engine for it with header batches of 20.
async fn thirty(
    t: &common::TestDb,
    s: &common::mail_stack::Stack,
    behaviour: Behaviour,
) -> (fake_imap::FakeImap, i64, services::sync::SyncEngine) {
    let st = state(t.db.clone(), s);
    let behaviour = Behaviour {
        messages: 30,
        ..behaviour
    };
    let (fake, id, mut engine) = crate::sync_round_trips::on_fake(&st, s, behaviour).await;
    engine.limits.header_batch = 20;
    (fake, id, engine)
}

/// For each database, with the check's hint and without: the fake server as
/// `behaviour(seen)` says, 30 messages synced with a first search by numbers from 10
/// messages; its searches (their first `words` words) are `expected`, and every message is
/// stored once.
async fn first_searches_by_numbers(
    behaviour: impl Fn(Option<u32>) -> Behaviour,
    words: usize,
    (expected, why): ([&str; 2], &str),
) {
    let s = stack();
    for t in common::databases().await {
        for seen in [Some(30), None] {
            let b = format!("{}, the check saw {seen:?}", t.backend);
            let (fake, id, mut engine) = thirty(&t, &s, behaviour(seen)).await;
            engine.limits.narrow_from = 10;
            engine.limits.command_timeout = Duration::from_secs(3);
            assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
            assert_eq!(searches(&fake, words), expected, "{b}: {why}");
            crate::sync_round_trips::every_message_once_stored(&t, id, 30).await;
        }
    }
}

/// The searches the fake server was sent, each cut to its first `words` words.
fn searches(fake: &fake_imap::FakeImap, words: usize) -> Vec<String> {
    fake.commands()
        .into_iter()
        .filter(|c| c.starts_with("UID SEARCH"))
        .map(|c| c.split(' ').take(words).collect::<Vec<_>>().join(" "))
        .collect()
}

#[tokio::test]
async fn a_first_sync_of_an_inbox_the_check_saw_searches_with_its_examine() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let (fake, id, mut engine) = thirty_seen_as(&t, &s, Some(30), true).await;
        engine.limits.command_timeout = Duration::from_secs(3);
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
async fn rows_asked_by_another_count_than_the_folders_are_left_to_the_header_pass() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        // The check saw 20 messages; the folder holds 30 when the sync comes.
        let (fake, id, engine) = thirty_seen_as(&t, &s, Some(20), false).await;
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        let commands = fake.commands();
        let asked = commands.iter().position(|c| c.starts_with("FETCH 1:20 "));
        let newest = commands
            .iter()
            .position(|c| c.starts_with("UID FETCH 11:30 (UID FLAGS"));
        assert!(
            matches!((asked, newest), (Some(a), Some(n)) if a < n),
            "{b}: the check's newest 20 asked, then the folder's own newest 20: {commands:?}"
        );
        crate::sync_round_trips::every_message_once_stored(&t, id, 30).await;
    }
}

#[tokio::test]
async fn a_server_silent_to_status_passes_the_check_and_syncs_without_the_hint() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let behaviour = Behaviour {
            messages: 3,
            condstore: true,
            silent_status: true,
            ..Behaviour::default()
        };
        let (fake, id, engine) = crate::sync_round_trips::on_fake(&st, &s, behaviour).await;
        assert_eq!(
            engine.sync_mailbox(id).await,
            Outcome::Synced,
            "{}",
            t.backend
        );
        assert!(
            fake.commands()
                .iter()
                .any(|c| c.starts_with("STATUS INBOX"))
        );
        crate::sync_round_trips::every_message_once_stored(&t, id, 3).await;
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
        sync_and_compare(&grown_engine, &st, &s, &grown, id, &["INBOX"]).await;
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
        sync_and_compare(&shrunk_engine, &st, &s, &shrunk, id, &["INBOX"]).await;
        assert_eq!(rows(&t.db, id).await.len(), 7, "{b}");
    }
    assert!(
        captured
            .text()
            .contains("the first search went with the EXAMINE"),
        "the first searches went with the EXAMINE"
    );
}

/// The fake server with 30 messages, a folder of `narrow_from` messages or more: the first
/// search is of the newest 20 by number (UIDs here) and any after them, sent with the
/// newest headers (behind the EXAMINE where the check saw INBOX, after its answer where
/// it did not), then the rest of the folder is searched; every message once.
#[tokio::test]
async fn a_large_folders_first_search_is_of_its_newest_messages_then_the_rest() {
    let behaviour = |seen: Option<u32>| Behaviour {
        condstore: true,
        inbox_status: seen,
        late_examine: seen.is_some(),
        ..Behaviour::default()
    };
    let expected = ["UID SEARCH 11:* SINCE", "UID SEARCH UID 1:10"];
    let why = "the newest by number first, then the UIDs below them";
    first_searches_by_numbers(behaviour, 4, (expected, why)).await;
}

/// Messages expunged while the first search by numbers is answered (the fake tells it and
/// keeps them): what it covered is not known, and the whole folder is searched after it,
/// with and without the check's hint; every message once.
#[tokio::test]
async fn an_expunge_during_the_first_search_by_numbers_has_the_folder_searched_whole() {
    let behaviour = |seen: Option<u32>| Behaviour {
        inbox_status: seen,
        expunge_on_search: true,
        ..Behaviour::default()
    };
    let expected = ["UID SEARCH 11:*", "UID SEARCH SINCE"];
    let why = "the newest by number, then the whole folder";
    first_searches_by_numbers(behaviour, 3, (expected, why)).await;
}

/// The same against the real Dovecot, where numbers are not UIDs: mail deleted before the
/// check (UIDs with gaps), in INBOX (its first search with the EXAMINE) and in Archive
/// (after its EXAMINE), searched in ranges of 4; and mail deleted after the check, so the
/// newest messages' numbers are past the folder's end (their FETCH refused: what the search
/// covered is not known, and every range is searched). The app ends with exactly the
/// server's messages.
#[tokio::test]
async fn a_first_search_by_numbers_covers_the_folder_with_what_follows_it() {
    let s = stack();
    let captured = Captured::install();
    let unknown = "what the first search covered is not known";
    for t in common::databases().await {
        let before = captured.text().len();
        let st = state(t.db.clone(), &s);
        let mut engine = engine(&st);
        engine.limits.header_batch = 5;
        engine.limits.search_range = 4;
        engine.limits.narrow_from = 1;
        // UIDs with gaps, before the check.
        let gapped = mail_user("narrow-gapped");
        seed(&gapped, 30, "INBOX");
        seed(&gapped, 25, "Archive");
        let mut other = other_client(&s, &gapped).await;
        for (folder, deleted) in [("INBOX", "5:12,20:22,29"), ("Archive", "2:9,24")] {
            other.select(folder).await.unwrap();
            store_flags(&mut other, deleted, "+FLAGS (\\Deleted)").await;
            expunge(&mut other).await;
        }
        let folders = ["INBOX", "Archive"];
        let id = connected(&st, &s, &gapped, &folders).await;
        sync_and_compare(&engine, &st, &s, &gapped, id, &folders).await;
        assert_eq!(rows(&t.db, id).await.len(), 18 + 16, "{}", t.backend);
        assert!(
            !captured.text()[before..].contains(unknown),
            "{}",
            t.backend
        );
        // Mail deleted after the check.
        let shrunk = mail_user("narrow-shrunk");
        seed(&shrunk, 20, "INBOX");
        let id = connected(&st, &s, &shrunk, &["INBOX"]).await;
        let mut other = other_client(&s, &shrunk).await;
        other.select("INBOX").await.unwrap();
        store_flags(&mut other, "8:20", "+FLAGS (\\Deleted)").await;
        expunge(&mut other).await;
        sync_and_compare(&engine, &st, &s, &shrunk, id, &["INBOX"]).await;
        assert_eq!(rows(&t.db, id).await.len(), 7, "{}", t.backend);
        assert!(captured.text()[before..].contains(unknown), "{}", t.backend);
    }
}

#[tokio::test]
async fn a_folders_other_search_ranges_are_asked_for_at_once() {
    // Each search of a UID range after the first answered only once the next command has
    // come, unless it is of the oldest range: a run that waited for each answer before it
    // asked for the next range would wait out its command timeout.
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let behaviour = Behaviour {
            late_pipelined: true,
            ..Behaviour::default()
        };
        let (fake, id, mut engine) = thirty(&t, &s, behaviour).await;
        engine.limits.search_range = 5;
        engine.limits.command_timeout = Duration::from_secs(3);
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        let expected = ["26:*", "21:25", "16:20", "11:15", "6:10", "1:5"]
            .map(|range| format!("UID SEARCH UID {range}"));
        assert_eq!(searches(&fake, 4), expected, "{b}: newest first, each once");
        crate::sync_round_trips::every_message_once_stored(&t, id, 30).await;
    }
}
