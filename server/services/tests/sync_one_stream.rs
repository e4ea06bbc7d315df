//! A first sync's body pass is one stream: the rest of the new mail is asked for while the
//! newest rows' bodies are still coming, not a round trip of the link after their end. The
//! fake server (`tests/fake_imap`) holds the end of those bodies' answer until the next
//! command; on SQLite and PostgreSQL. Needs the mail stack (its CA and certificate, and the
//! real Postfix for the connect wizard's SMTP check). The same path against the real
//! Dovecot is `sync_whole_rows.rs`.

use crate::common;
use crate::fake_imap;

use common::{mail_stack::stack, mailbox_fixtures::state, sync_fixtures::rows};
use fake_imap::Behaviour;
use services::sync::{schedule::Outcome, store::BodyState};
use std::time::Duration;

/// The fake server with twelve messages (`late_after_meta` as given), its mailbox
/// connected, and an engine that gives the newest 4 header rows first and fetches the rest
/// in batches of `batch`, one a fetch.
async fn twelve(
    st: &services::AppState,
    s: &common::mail_stack::Stack,
    late_after_meta: bool,
    batch: usize,
) -> (fake_imap::FakeImap, i64, services::sync::SyncEngine) {
    let behaviour = Behaviour {
        messages: 12,
        late_after_meta,
        ..Behaviour::default()
    };
    let (fake, id, mut engine) = crate::sync_round_trips::on_fake(st, s, behaviour).await;
    engine.limits.first_rows = 4;
    engine.limits.body_batch = batch;
    engine.limits.batches_per_fetch = 1;
    (fake, id, engine)
}

#[tokio::test]
async fn the_rest_is_asked_for_while_the_newest_rows_bodies_are_coming() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        // The newest 4 get their header rows first; the other 8 come whole, in two fetches
        // of one batch of 4 each.
        let (fake, id, mut engine) = twelve(&st, &s, true, 4).await;
        // A run that waited for the end of the newest rows' bodies would wait this out.
        engine.limits.command_timeout = Duration::from_secs(3);
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        let rows = rows(&t.db, id).await;
        assert_eq!(rows.len(), 12, "{b}: every message once");
        for row in &rows {
            assert_eq!(row.body_state, BodyState::Stored, "{b}: {}", row.uid);
            let text = row.text_body.as_deref().unwrap_or_default();
            assert_eq!(text.trim(), format!("Hello {}.", row.uid), "{b}");
        }
        let folder = common::sync_fixtures::folder(&t.db, id, "INBOX").await;
        assert_eq!((folder.headers_done, folder.bodies_done), (12, 12), "{b}");
        assert_eq!(folder.uidnext, Some(13), "{b}: the state remembered");
        // The rest's flags, dates and sizes, the newest rows' bodies, then the rest's first
        // fetch of whole messages before anything else.
        let commands = fake.commands();
        let at = commands
            .iter()
            .position(|c| c.contains("INTERNALDATE") && !c.contains("BODY"))
            .unwrap_or_else(|| panic!("{b}: {commands:?}"));
        assert!(
            commands[at].starts_with("UID FETCH 1:8 ")
                && commands[at + 1].starts_with("UID FETCH 9:12 (UID BODY.PEEK[])")
                && commands[at + 2].starts_with("UID FETCH 5:8 (UID BODY.PEEK[])")
                && commands[at + 3].starts_with("UID FETCH 1:4 (UID BODY.PEEK[])"),
            "{b}: {:?}",
            &commands[at..]
        );
    }
}

/// With the quota full part way, one stream still gives every message one row: the newest
/// bodies kept, the bytes within the quota, the rest kept without their bodies.
#[tokio::test]
async fn a_quota_full_part_way_leaves_every_message_one_row() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        let (_fake, id, mut engine) = twelve(&st, &s, false, 2).await;
        // Room for the bodies of about six of the twelve ("Hello 12." is ten bytes).
        engine.limits.mailbox_quota_bytes = 60;
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        let rows = rows(&t.db, id).await;
        let mut uids: Vec<i64> = rows.iter().map(|r| r.uid).collect();
        uids.sort_unstable();
        assert_eq!(
            uids,
            (1..=12).collect::<Vec<i64>>(),
            "{b}: every message once"
        );
        let used: i64 = rows.iter().map(|r| r.body_bytes).sum();
        assert!(used <= 60, "{b}: {used} bytes of bodies");
        // The newest kept (the fake server's lower UIDs arrived later).
        let dates = |state: BodyState| rows.iter().filter(move |r| r.body_state == state);
        let oldest_kept = dates(BodyState::Stored).map(|r| r.received_at).min();
        let newest_left = dates(BodyState::OverQuota).map(|r| r.received_at).max();
        let states: Vec<(i64, BodyState)> = rows.iter().map(|r| (r.uid, r.body_state)).collect();
        assert!(oldest_kept >= newest_left, "{b}: {states:?}");
        assert!(
            rows.iter().all(|r| r.body_state != BodyState::Pending),
            "{b}: no body left pending"
        );
        assert!(
            rows.iter().any(|r| r.body_state == BodyState::OverQuota),
            "{b}: the oldest kept without their bodies"
        );
        let folder = common::sync_fixtures::folder(&t.db, id, "INBOX").await;
        assert_eq!((folder.headers_done, folder.bodies_done), (12, 12), "{b}");
        assert_eq!(folder.uidnext, Some(13), "{b}: the state remembered");
    }
}
