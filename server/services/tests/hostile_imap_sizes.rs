//! A hostile IMAP server that lies about sizes cannot make the sync hold more than its
//! bounds: a small fake server over TLS declares 1000 bytes a message and floods literals of
//! megabytes. On SQLite and PostgreSQL. Needs the mail stack (its CA and certificate, and
//! the real Postfix for the connect wizard's SMTP check).

use crate::common;
use crate::fake_imap;

use common::{
    hostile_mailbox::hostile_mailbox,
    mail_stack::stack,
    mailbox_fixtures::state,
    sync_fixtures::{engine, folder, new_since_last_run, rows},
};
use fake_imap::{Behaviour, Bodies};
use services::sync::{schedule::Outcome, store::BodyState};
use std::time::Instant;

const MIB: u64 = 1 << 20;

fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Resets the peak RSS to the current RSS (Linux `clear_refs` 5).
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
}

/// A fake server that declares 1000 bytes a message and sends `bytes` of each, its
/// mailbox connected, and an engine with a 1 MiB limit a message and a batch. The server
/// lives as long as the first value.
async fn flooding(
    st: &services::AppState,
    s: &common::mail_stack::Stack,
    bytes: usize,
) -> (fake_imap::FakeImap, i64, services::sync::SyncEngine) {
    let fake = fake_imap::start(
        &s.ca,
        Behaviour {
            bodies: Bodies::Flood { bytes },
            ..Behaviour::default()
        },
    )
    .await;
    let id = hostile_mailbox(st, s, fake.port).await;
    let mut engine = engine(st);
    engine.limits.max_message_bytes = MIB as i64;
    engine.limits.body_batch_bytes = MIB as i64;
    (fake, id, engine)
}

#[tokio::test]
async fn lying_sizes_and_flooded_literals_are_thrown_away_not_kept() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        // Three messages "of 1000 bytes", 32 MiB each on the wire: 96 MiB in all.
        let (fake, id, engine) = flooding(&st, &s, 32 << 20).await;
        reset_peak();
        let rss_before = status_kb("VmRSS:");
        let started = Instant::now();
        let outcome = engine.sync_mailbox(id).await;
        let took = started.elapsed();
        let peak_growth_kb = status_kb("VmHWM:").saturating_sub(rss_before);
        eprintln!(
            "figures {}: {} MiB sent, peak RSS growth {} KiB, run {} ms",
            t.backend,
            fake.sent() / MIB,
            peak_growth_kb,
            took.as_millis()
        );
        assert_eq!(outcome, Outcome::Synced, "{}", t.backend);
        assert_eq!(fake.sent(), 96 * MIB, "every byte was sent, and read");
        assert!(
            peak_growth_kb < 40 * 1024,
            "{}: peak RSS grew {peak_growth_kb} KiB while 96 MiB arrived",
            t.backend
        );
        let rows = rows(&t.db, id).await;
        assert_eq!(rows.len(), 3, "{}: every message is listed", t.backend);
        for row in &rows {
            assert_eq!(row.body_state, BodyState::TooLarge, "{}", t.backend);
            assert_eq!((row.text_body.as_ref(), row.body_bytes), (None, 0));
        }
    }
}

#[tokio::test]
async fn a_batch_keeps_what_its_declared_sizes_allow_and_the_rest_comes_alone() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        // Each 900 KiB body fits the 1 MiB message limit, but the three were declared
        // at 1000 bytes: the batch holds about twice that plus 1 MiB, so one is kept from
        // it; the other two are asked for again one at a time, and kept too.
        let (fake, id, engine) = flooding(&st, &s, 900 << 10).await;
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        let rows = rows(&t.db, id).await;
        let stored: Vec<_> = rows
            .iter()
            .filter(|r| r.body_state == BodyState::Stored)
            .collect();
        let too_large = rows
            .iter()
            .filter(|r| r.body_state == BodyState::TooLarge)
            .count();
        assert_eq!((stored.len(), too_large), (3, 0), "{}", t.backend);
        let alone = fake
            .commands()
            .iter()
            .filter(|c| c.contains("BODY.PEEK[]") && !c.contains(':') && !c.contains(','))
            .count();
        assert_eq!(alone, 2, "{}: {:?}", t.backend, fake.commands());
    }
}

#[tokio::test]
async fn a_flood_in_the_rest_of_the_mail_still_leaves_every_header_row() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        // The header pass takes the newest message; the other two come whole with the rest
        // of the mail, 2 MiB each on the wire against a 1 MiB limit: cut on the wire, they
        // get their header rows once the body pass has stored its last batch.
        let (_fake, id, mut engine) = flooding(&st, &s, 2 << 20).await;
        engine.limits.header_batch = 1;
        for run in 1..=2 {
            let outcome = engine.sync_mailbox(id).await;
            assert_eq!(outcome, Outcome::Synced, "{} run {run}", t.backend);
            let rows = rows(&t.db, id).await;
            assert_eq!(rows.len(), 3, "{} run {run}: each message once", t.backend);
            for row in &rows {
                assert_eq!(row.body_state, BodyState::TooLarge, "{}", t.backend);
                assert_eq!((row.text_body.as_ref(), row.body_bytes), (None, 0));
            }
        }
    }
}

/// A later run's new mail is asked for with its first 64 KiB a message: a server that sends
/// megabytes instead has them read and thrown away, and the messages still get their rows
/// (header fields from the header pass, too large for a body).
#[tokio::test]
async fn a_later_runs_new_mail_flooded_past_what_was_asked_is_thrown_away() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        let behaviour = Behaviour {
            condstore: true,
            bodies: Bodies::Flood { bytes: 8 << 20 },
            ..Behaviour::default()
        };
        let fake = fake_imap::start(&s.ca, behaviour).await;
        let id = hostile_mailbox(&st, &s, fake.port).await;
        let mut engine = engine(&st);
        engine.limits.max_message_bytes = MIB as i64;
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        // As if UIDs 2 and 3 came after the last run.
        let inbox = folder(&t.db, id, "INBOX").await;
        new_since_last_run(&t.db, inbox.id, 2).await;
        let before = fake.sent();
        reset_peak();
        let rss_before = status_kb("VmRSS:");
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        let peak_growth_kb = status_kb("VmHWM:").saturating_sub(rss_before);
        let commands = fake.commands();
        assert!(
            commands.iter().any(|c| c.contains("BODY.PEEK[]<0.65536>")),
            "{b}: the new mail asked for with the search: {commands:?}"
        );
        // 8 MiB for each of the two new messages with the search, and again in the body pass.
        assert_eq!(
            fake.sent() - before,
            32 * MIB,
            "{b}: every byte sent, and read"
        );
        assert!(
            peak_growth_kb < 40 * 1024,
            "{b}: peak RSS grew {peak_growth_kb} KiB"
        );
        let rows = rows(&t.db, id).await;
        let new: Vec<_> = rows.iter().filter(|r| r.uid > 1).collect();
        assert_eq!(new.len(), 2, "{b}: each new message listed once");
        for row in new {
            assert_eq!(
                row.subject,
                format!("Message {}", row.uid),
                "{b}: its header fields"
            );
            assert_eq!(row.body_state, BodyState::TooLarge, "{b}");
        }
    }
}
