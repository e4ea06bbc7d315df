//! Faults mid-sync against the real Dovecot, on SQLite and PostgreSQL: connections cut at
//! random byte counts (a loopback proxy) and runs abandoned at random moments (a crash),
//! repeated in a bounded loop while another client keeps changing the folder. After one
//! clean run the app holds exactly what the server holds: 0 duplicates, 0 gaps.

use crate::common;

use common::{
    cut_proxy::{CutProxy, ipv4_upstream, through},
    mail_stack::stack,
    mailbox_fixtures::state,
    sync_fixtures::*,
    wait::wait_until,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use services::sync::{schedule::Outcome, store::BodyState};
use std::{sync::atomic::Ordering, time::Duration};

const ROUNDS: usize = 24;

#[tokio::test]
async fn cuts_and_crashes_mid_sync_end_in_exactly_the_server_state() {
    let s = stack();
    let user = mail_user("cut");
    seed(&user, 250, "INBOX");
    seed(&user, 30, "Sent");
    let upstream = ipv4_upstream(&s);
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX", "Sent"]).await;
        let proxy = CutProxy::start(upstream).await;
        through(&t.db, id, &proxy).await;
        let mut engine = engine(&st);
        engine.connect_timeout = Duration::from_secs(5);
        engine.limits.body_batch = 40;
        // Several header and whole-row batches, each stored on a task while the next one
        // downloads: an abandoned run's task must not store stale flags after a later run.
        engine.limits.header_batch = 100;
        let mut rng = StdRng::seed_from_u64(0x5eed);
        let mut failed = 0;
        for round in 0..ROUNDS {
            if round % 2 == 0 {
                // Cut the connection after a random number of bytes, log-uniform from
                // inside the TLS handshake to well into the body pass.
                let bytes = 300u64 << rng.gen_range(0..13);
                proxy
                    .limit
                    .store(bytes + rng.gen_range(0..bytes), Ordering::SeqCst);
                if engine.sync_mailbox(id).await != Outcome::Synced {
                    failed += 1;
                }
            } else {
                // Abandon the run at a random moment, as a crash would.
                proxy.limit.store(u64::MAX, Ordering::SeqCst);
                let ms = rng.gen_range(5..400);
                let _ =
                    tokio::time::timeout(Duration::from_millis(ms), engine.sync_mailbox(id)).await;
            }
            if round % 6 == 3 {
                change_folder(&s, &user, &mut rng).await;
            }
        }
        let cuts = proxy.cuts.load(Ordering::SeqCst);
        eprintln!(
            "{}: {cuts} connections cut, {failed} of {} cut rounds failed",
            t.backend,
            ROUNDS / 2
        );
        // Certain whatever the machine's speed: the first round (a first sync of 1.7 MB cut
        // after 113 KB) and every limit under 3 KB (every run carries more: the TLS
        // handshake, the log-in and two EXAMINEs), five such rounds on SQLite and six on
        // PostgreSQL with this seed. The other cut rounds fail only when the crash rounds
        // before them left work to do, which depends on how far a run gets in 5–400 ms:
        // 7–8 failed here, and a faster machine leaves fewer.
        assert!(
            cuts as usize >= ROUNDS / 6 && failed >= ROUNDS / 6,
            "{cuts} cuts, {failed} failed runs"
        );
        proxy.limit.store(u64::MAX, Ordering::SeqCst);
        sync_and_compare(&engine, &st, &s, &user, id, &["INBOX", "Sent"]).await;
    }
}

#[tokio::test]
async fn connections_per_host_are_bounded() {
    let s = stack();
    let users = [mail_user("hosta"), mail_user("hostb"), mail_user("hostc")];
    for user in &users {
        seed(user, 40, "INBOX");
    }
    let upstream = ipv4_upstream(&s);
    for per_host in [1usize, 3] {
        for t in common::databases().await {
            let st = state(t.db.clone(), &s);
            let proxy = CutProxy::start(upstream).await;
            let mut ids = Vec::new();
            for user in &users {
                let id = connected(&st, &s, user, &["INBOX"]).await;
                through(&t.db, id, &proxy).await;
                ids.push(id);
            }
            let engine = services::sync::SyncEngine::new(
                st.db.clone(),
                st.master_key.clone(),
                st.mail_trust.clone(),
                per_host,
            );
            let runs = ids.iter().map(|&id| {
                let engine = engine.clone();
                async move { engine.sync_mailbox(id).await }
            });
            let outcomes = futures_util::future::join_all(runs).await;
            assert!(
                outcomes.iter().all(|o| *o == Outcome::Synced),
                "{outcomes:?}"
            );
            let peak = proxy.peak.load(Ordering::SeqCst) as usize;
            assert!(
                peak <= per_host,
                "{}: {peak} connections at once, limit {per_host}",
                t.backend
            );
            if per_host == 3 {
                assert!(peak >= 2, "{}: runs did overlap when allowed", t.backend);
            }
        }
    }
}

/// While a first sync's body pass waits on the wire, the folder's "n of m" is exactly what
/// is stored: each batch adds itself to the counts in the transaction that stores it, not
/// once the next batch has downloaded (the reports used to lag two batches behind).
#[tokio::test]
async fn counts_are_what_is_stored_while_the_wire_waits() {
    const MESSAGES: usize = 200;
    let s = stack();
    let user = mail_user("heldcount");
    seed(&user, MESSAGES, "INBOX");
    let upstream = ipv4_upstream(&s);
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let proxy = CutProxy::start(upstream).await;
        through(&t.db, id, &proxy).await;
        let mut engine = engine(&st);
        engine.limits.header_batch = 20;
        engine.limits.body_batch = 20;
        // The 200 seeded messages take 1.8 MB: the run holds in the batches of whole rows
        // (the first 20 bodies are of the header pass's rows), with the batch before the
        // one on the wire still being stored.
        proxy.hold_after.store(700_000, Ordering::SeqCst);
        // Once the run holds, looks one after another: the batches before the one on the
        // wire finish storing meanwhile, and each look must find the counts and the rows
        // agreeing.
        let watch = async {
            let mut looks = Vec::new();
            let holding = wait_until(Duration::from_secs(30), || async {
                proxy.held.load(Ordering::SeqCst) != 0
            })
            .await;
            for _ in 0..1000 {
                if holding.is_none() || looks.len() == 30 {
                    break;
                }
                // The counts, then the rows: a look during which a batch was stored (the
                // counts changed) is not counted.
                let counts = counts_of(&t.db, id).await;
                let all = rows(&t.db, id).await;
                let bodies = all
                    .iter()
                    .filter(|r| r.body_state == BodyState::Stored)
                    .count();
                if counts_of(&t.db, id).await == counts {
                    looks.push((counts, (all.len(), bodies)));
                }
            }
            proxy.release();
            looks
        };
        let (outcome, looks) = tokio::join!(engine.sync_mailbox(id), watch);
        assert_eq!(looks.len(), 30, "{b}: the run held");
        for (counts, stored) in &looks {
            assert_eq!(counts, stored, "{b}: counts against rows stored, {looks:?}");
        }
        let (_, (_, bodies)) = looks[looks.len() - 1];
        assert!(
            (40..MESSAGES).contains(&bodies),
            "{b}: held mid-way through the whole rows ({bodies} bodies)"
        );
        assert_eq!(outcome, Outcome::Synced, "{b}");
        let inbox = folder(&t.db, id, "INBOX").await;
        assert_eq!(
            (inbox.headers_done, inbox.bodies_done),
            (MESSAGES as i32, MESSAGES as i32),
            "{b}"
        );
    }
}

/// A folder's headers and bodies done.
async fn counts_of(db: &sea_orm::DatabaseConnection, id: i64) -> (usize, usize) {
    let inbox = folder(db, id, "INBOX").await;
    (inbox.headers_done as usize, inbox.bodies_done as usize)
}

/// Another device: a few new messages, a flag flipped, one expunged.
async fn change_folder(s: &common::mail_stack::Stack, user: &str, rng: &mut StdRng) {
    seed(user, 3, "INBOX");
    let mut other = other_client(s, user).await;
    other.select("INBOX").await.unwrap();
    let mut uids: Vec<u32> = other.uid_search("ALL").await.unwrap().into_iter().collect();
    uids.sort_unstable();
    let flip = uids[rng.gen_range(0..uids.len())];
    let gone = uids[rng.gen_range(0..uids.len())];
    store_flags(&mut other, &flip.to_string(), "+FLAGS (\\Flagged \\Seen)").await;
    store_flags(&mut other, &gone.to_string(), "+FLAGS (\\Deleted)").await;
    expunge(&mut other).await;
    other.logout().await.ok();
}
