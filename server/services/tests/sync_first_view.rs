//! A first sync of a large folder shows its newest mail before its whole search is done:
//! the folder's UID ranges are searched newest first, and the newest batch's header rows
//! are stored as soon as the ranges searched hold a whole batch. Against the fake IMAP
//! server, whose log gives the order of the commands, on SQLite and PostgreSQL. That such a
//! sync loses and repeats nothing against the real Dovecot is
//! `sync_whole_rows::a_folder_searched_in_uid_ranges_loses_and_keeps_nothing_extra`.

use crate::common;
use crate::fake_imap;

use common::{
    TestDb, hostile_mailbox::hostile_mailbox, mail_stack::stack, mailbox_fixtures::state,
    sync_fixtures::engine,
};
use fake_imap::Behaviour;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use services::{entities::message, sync::schedule::Outcome};
use std::collections::BTreeSet;

/// The searches and header fetches of a log, in order: `search 57:*`, `headers 41:60`.
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
async fn a_first_sync_stores_the_newest_batch_before_searching_older_ranges() {
    for t in common::databases().await {
        // 60 UIDs in ranges of 7: 1:7 … 50:56 and 57:*. The newest four ranges hold 25
        // UIDs, the first to hold a batch of 20.
        let (id, order) = first_sync(&t, 60, 7, 20).await;
        let expected = [
            "search 57:*",
            "search 50:56",
            "search 43:49",
            "search 36:42",
            "headers 41:60",
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
async fn a_folder_searched_at_once_fetches_its_newest_batch_after_the_search() {
    for t in common::databases().await {
        // Under twice the range: one search of the whole folder, then the newest 20.
        let (_, order) = first_sync(&t, 30, 20, 20).await;
        assert_eq!(order, ["search all", "headers 11:30"], "{}", t.backend);
    }
}
