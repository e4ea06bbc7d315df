//! **Re-sync from date** against the real Dovecot, on SQLite and PostgreSQL: the request
//! sends the bodies since the date back to pending once, so runs cut short go on where the
//! last one stopped (a refetch longer than one run still ends), the refetched bodies
//! count once against the mailbox's quota, and a request made during a run is left to the
//! next run.

use crate::common;

use chrono::{SubsecRound, Utc};
use common::{
    cut_proxy::{CutProxy, ipv4_upstream, through},
    mail_stack::stack,
    mailbox_fixtures::state,
    sync_fixtures::*,
    wait::wait_for,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use services::{
    AppState,
    entities::{mailbox, message},
    mail_view,
    sync::{
        request::{COOLDOWN, request_run},
        schedule::Outcome,
        store::BodyState,
    },
};
use std::{sync::atomic::Ordering, time::Duration};

async fn rows(db: &DatabaseConnection, mailbox_id: i64) -> Vec<message::Model> {
    message::Entity::find()
        .filter(message::Column::MailboxId.eq(mailbox_id))
        .all(db)
        .await
        .unwrap()
}

/// What is left of a Re-sync request on the mailbox.
async fn resync_asked(db: &DatabaseConnection, id: i64) -> Option<chrono::DateTime<Utc>> {
    let row = mailbox::Entity::find_by_id(id).one(db).await.unwrap();
    row.unwrap().resync_from
}

fn count(rows: &[message::Model], state: BodyState) -> usize {
    rows.iter().filter(|r| r.body_state == state).count()
}

/// The owner asks for a re-sync of everything of the last 25 days (all the seeded mail).
async fn resync(st: &AppState, id: i64) {
    let owner = owner_of(&st.db, id).await;
    let from = (Utc::now() - chrono::Duration::days(25))
        .format("%Y-%m-%d")
        .to_string();
    mail_view::resync_from(st, &owner, id, &from).await.unwrap();
}

#[tokio::test]
async fn a_resync_cut_short_goes_on_where_the_last_run_stopped() {
    let s = stack();
    let user = mail_user("recut");
    seed_capped(&user, 60, "INBOX", 60_000);
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let mut engine = engine(&st);
        // One message a batch: every run that gets past the flags stores something.
        engine.limits.body_batch = 1;
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        let sizes: Vec<i64> = rows(&t.db, id).await.iter().map(|r| r.size).collect();
        let total: i64 = sizes.iter().sum();
        let largest = sizes.iter().copied().max().unwrap_or(0);

        resync(&st, id).await;
        // Until its body is stored again a message reads as it did, not as "downloading".
        let owner = owner_of(&t.db, id).await;
        let newest = rows(&t.db, id)
            .await
            .into_iter()
            .max_by_key(|r| r.uid)
            .unwrap();
        assert_eq!(newest.body_state, BodyState::Pending, "{}", t.backend);
        let opened = mail_view::conversation(&t.db, &owner, newest.id)
            .await
            .unwrap();
        let shown = opened.messages.iter().find(|m| m.id == newest.id).unwrap();
        assert!(
            !shown.pending && (!shown.text.is_empty() || shown.has_html),
            "{}: {shown:?}",
            t.backend
        );

        // Each run's connection is cut after the log-in, the flags and about a quarter of
        // the bodies' bytes (at least three of the largest: a run stores a batch once the one
        // two later is downloaded): a refetch of several runs.
        let proxy = CutProxy::start(ipv4_upstream(&s)).await;
        through(&t.db, id, &proxy).await;
        proxy.limit.store(
            20_000 + (total / 4).max(2 * largest) as u64,
            Ordering::SeqCst,
        );
        let mut left: Vec<usize> = Vec::new();
        while left.len() < 12 && left.last() != Some(&0) {
            let outcome = engine.sync_mailbox(id).await;
            left.push(count(&rows(&t.db, id).await, BodyState::Pending));
            eprintln!("{}: {outcome:?}, {left:?} pending", t.backend);
        }
        let cuts = proxy.cuts.load(Ordering::SeqCst);
        assert!(
            cuts >= 2,
            "{}: {cuts} cuts: the runs were cut short",
            t.backend
        );
        assert_eq!(
            left.last(),
            Some(&0),
            "{}: pending after each cut run: {left:?}",
            t.backend
        );
        assert!(
            left.windows(2).all(|w| w[1] < w[0]),
            "{}: every cut run went on where the last stopped: {left:?}",
            t.backend
        );

        proxy.limit.store(u64::MAX, Ordering::SeqCst);
        sync_and_compare(&engine, &st, &s, &user, id, &["INBOX"]).await;
        assert!(
            resync_asked(&t.db, id).await.is_none(),
            "{}: a one-shot request",
            t.backend
        );
    }
}

#[tokio::test]
async fn a_resync_counts_its_bodies_once_against_the_quota() {
    let s = stack();
    let user = mail_user("requota");
    seed_capped(&user, 30, "INBOX", 20_000);
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let mut engine = engine(&st);
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        let before = rows(&t.db, id).await;
        assert_eq!(count(&before, BodyState::Stored), 30, "{}", t.backend);
        let total: i64 = before.iter().map(|r| r.body_bytes).sum();

        // Room for the mail once and a half: all of it, but not all of it twice.
        engine.limits.mailbox_quota_bytes = total * 3 / 2;
        resync(&st, id).await;
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        let after = rows(&t.db, id).await;
        assert_eq!(
            (
                count(&after, BodyState::Stored),
                count(&after, BodyState::OverQuota)
            ),
            (30, 0),
            "{}: every body refetched and kept",
            t.backend
        );
        assert_eq!(
            after.iter().map(|r| r.body_bytes).sum::<i64>(),
            total,
            "{}",
            t.backend
        );

        // Room for half of it: the newest bodies are refetched and kept; what no longer
        // fits is dropped whole (no old text left behind that the quota would not count).
        engine.limits.mailbox_quota_bytes = total / 2;
        // Asked again as of after the first request's cooldown.
        let later = Utc::now() + chrono::Duration::seconds(31);
        request_run(
            &t.db,
            id,
            Some(later - chrono::Duration::days(25)),
            later,
            COOLDOWN,
        )
        .await
        .unwrap();
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        let half = rows(&t.db, id).await;
        let kept: i64 = half.iter().map(|r| r.body_bytes).sum();
        assert!(kept <= total / 2, "{}: {kept} > {}", t.backend, total / 2);
        assert!(count(&half, BodyState::OverQuota) > 0, "{}", t.backend);
        assert_eq!(count(&half, BodyState::Pending), 0, "{}", t.backend);
        for row in half.iter().filter(|r| r.body_state != BodyState::Stored) {
            assert_eq!(
                (
                    row.text_body.as_deref(),
                    row.html_body.as_deref(),
                    row.body_bytes
                ),
                (None, None, 0),
                "{}: uid {} {:?}",
                t.backend,
                row.uid,
                row.body_state
            );
        }
    }
}

#[tokio::test]
async fn a_resync_asked_during_a_run_is_left_to_the_next_run() {
    let s = stack();
    let user = mail_user("redur");
    seed_capped(&user, 60, "INBOX", 60_000);
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        // The run's connection holds from its first byte until the request is made, so
        // the run cannot end first however fast the machine is.
        let proxy = CutProxy::start(ipv4_upstream(&s)).await;
        through(&t.db, id, &proxy).await;
        proxy.hold_after.store(0, Ordering::SeqCst);
        let engine = engine(&st);
        let run = tokio::spawn({
            let engine = engine.clone();
            async move { engine.sync_mailbox(id).await }
        });
        // The run connects only after it has read the mailbox: a request made while its
        // connection holds comes after what the run started with.
        let held = wait_for(
            Duration::from_secs(10),
            Duration::from_millis(1),
            || async { (proxy.held.load(Ordering::SeqCst) == 1).then_some(()) },
        )
        .await;
        assert!(held.is_some(), "{}: the run started", t.backend);
        let later = Utc::now() + chrono::Duration::seconds(31);
        let from = (later - chrono::Duration::days(25)).trunc_subsecs(0);
        request_run(&t.db, id, Some(from), later, COOLDOWN)
            .await
            .unwrap();
        proxy.release();
        assert_eq!(run.await.unwrap(), Outcome::Synced, "{}", t.backend);
        assert_eq!(
            resync_asked(&t.db, id).await.map(|d| d.timestamp()),
            Some(from.timestamp()),
            "{}: the request made during the run is still there for the next",
            t.backend
        );
        sync_and_compare(&engine, &st, &s, &user, id, &["INBOX"]).await;
        assert!(
            resync_asked(&t.db, id).await.is_none(),
            "{}: then done",
            t.backend
        );
    }
}
