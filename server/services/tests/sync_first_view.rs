//! A first sync shows its newest mail before its whole search is done: the newest batch's
//! header fields are asked for with the first search (by sequence number, in the same
//! round trip), the folder's UID ranges are searched newest first, and each of those rows
//! is stored once a search has found it in range. Against the fake IMAP server, whose log
//! gives the order of the commands, and against the real Dovecot (the newest messages
//! outside the period), on SQLite and PostgreSQL. That such a sync loses and repeats
//! nothing against the real Dovecot is
//! `sync_whole_rows::a_folder_searched_in_uid_ranges_loses_and_keeps_nothing_extra`.

use crate::common;
use crate::fake_imap;

use common::{
    TestDb,
    hostile_mailbox::hostile_mailbox,
    mail_stack::stack,
    mailbox_fixtures::state,
    sync_fixtures::{connected, engine, mail_user, other_client, rows, seed},
};
use fake_imap::Behaviour;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use services::{entities::message, sync::schedule::Outcome};
use std::collections::BTreeSet;

/// The searches and header fetches of a log, in order: `search 57:*`, `headers 41:60`,
/// `newest 41:*` (by sequence number).
fn searches_and_header_fetches(commands: &[String]) -> Vec<String> {
    commands
        .iter()
        .filter_map(|c| {
            let words: Vec<&str> = c.split(' ').collect();
            match words.as_slice() {
                ["UID", "SEARCH", "UID", set, ..] => Some(format!("search {set}")),
                ["UID", "SEARCH", ..] => Some("search all".to_owned()),
                ["UID", "FETCH", set, ..] if c.contains("BODY.PEEK[HEADER") => {
                    Some(format!("headers {set}"))
                }
                ["FETCH", set, ..] if c.contains("BODY.PEEK[HEADER") => {
                    Some(format!("newest {set}"))
                }
                _ => None,
            }
        })
        .collect()
}

/// A first sync of a mailbox whose INBOX holds `messages` on the fake server, searched in
/// ranges of `search_range` UIDs with header batches of `header_batch`: the mailbox and the
/// searches and header fetches it made, in order.
async fn first_sync(
    t: &TestDb,
    messages: u32,
    search_range: i64,
    header_batch: usize,
) -> (i64, Vec<String>) {
    let s = stack();
    let st = state(t.db.clone(), &s);
    let behaviour = Behaviour {
        messages,
        ..Behaviour::default()
    };
    let fake = fake_imap::start(&s.ca, behaviour).await;
    let id = hostile_mailbox(&st, &s, fake.port).await;
    let mut engine = engine(&st);
    engine.limits.search_range = search_range;
    engine.limits.header_batch = header_batch;
    let outcome = engine.sync_mailbox(id).await;
    assert_eq!(outcome, Outcome::Synced, "{}", t.backend);
    (id, searches_and_header_fetches(&fake.commands()))
}

#[tokio::test]
async fn a_first_sync_asks_for_the_newest_batch_with_its_first_search() {
    for t in common::databases().await {
        // 60 UIDs in ranges of 7: 1:7 … 50:56 and 57:*. The newest 20 (41:60) are asked
        // for with the first search and stored as the ranges holding them are searched;
        // no header FETCH by UID follows.
        let (id, order) = first_sync(&t, 60, 7, 20).await;
        let expected = [
            "search 57:*",
            "newest 41:*",
            "search 50:56",
            "search 43:49",
            "search 36:42",
            "search 29:35",
            "search 22:28",
            "search 15:21",
            "search 8:14",
            "search 1:7",
        ];
        assert_eq!(order, expected, "{}", t.backend);
        // Every message stored once: the newest 20 by their header rows, the rest whole.
        let rows = message::Entity::find()
            .filter(message::Column::MailboxId.eq(id))
            .all(&t.db)
            .await
            .unwrap();
        let uids: BTreeSet<i64> = rows.iter().map(|r| r.uid).collect();
        assert_eq!((rows.len(), uids.len()), (60, 60), "{}", t.backend);
        assert_eq!(uids, (1..=60).collect(), "{}", t.backend);
    }
}

#[tokio::test]
async fn a_folder_searched_at_once_asks_for_its_newest_batch_with_the_search() {
    for t in common::databases().await {
        // Under twice the range: one search of the whole folder, the newest 20 with it.
        let (_, order) = first_sync(&t, 30, 20, 20).await;
        assert_eq!(order, ["search all", "newest 11:*"], "{}", t.backend);
    }
}

/// Messages of the real Dovecot whose arrival dates are years old, appended after the
/// folder's recent mail: the newest by sequence number, outside the month the mailbox
/// keeps. Asked for with the first search, they are never stored, whether the folder is
/// searched at once or in ranges.
#[tokio::test]
async fn the_newest_messages_outside_the_period_are_not_stored() {
    let s = stack();
    for search_range in [10_000, 7] {
        for t in common::databases().await {
            let b = t.backend;
            let user = mail_user("outside");
            seed(&user, 30, "INBOX");
            let mut imap = other_client(&s, &user).await;
            for n in 0..3 {
                let raw = format!(
                    "From: old@example.test\r\nSubject: old {n}\r\nMessage-ID: <old{n}@example.test>\r\n\r\nOld.\r\n"
                );
                imap.append(
                    "INBOX",
                    None,
                    Some("\"01-Jan-2020 00:00:00 +0000\""),
                    raw.as_bytes(),
                )
                .await
                .unwrap();
            }
            imap.logout().await.ok();
            let st = state(t.db.clone(), &s);
            let id = connected(&st, &s, &user, &["INBOX"]).await;
            let mut engine = engine(&st);
            engine.limits.search_range = search_range;
            engine.limits.header_batch = 20;
            assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
            let uids: BTreeSet<i64> = rows(&t.db, id).await.iter().map(|r| r.uid).collect();
            assert_eq!(uids, (1..=30).collect(), "{b}, ranges of {search_range}");
        }
    }
}
