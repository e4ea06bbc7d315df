//! The plan-tier scheduler's claims on SQLite and PostgreSQL: two processes never hold the
//! same mailbox, every due mailbox is served, an expired lease is taken over, and outcomes
//! set the next run (plan interval, back-off, or stop on a refused password).

mod common;

use common::schedule_fixtures::due_mailboxes;

use chrono::{Duration, SubsecRound, Utc};
use domain::{MailboxStatus, Plan};
use sea_orm::EntityTrait;
use services::{
    entities::mailbox,
    sync::schedule::{self, Outcome},
};
use std::collections::HashSet;

#[tokio::test]
async fn two_processes_never_claim_the_same_mailbox_and_serve_all() {
    for t in common::databases().await {
        let ids = due_mailboxes(&t.db, 60, Plan::Professional).await;
        let now = Utc::now();
        let lease = Duration::minutes(5);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        // Several rounds of racing claims, small batches, until nothing is due.
        for _ in 0..20 {
            let (ra, rb) = tokio::join!(
                schedule::claim_due(&t.db, "process-a", now, lease, 7),
                schedule::claim_due(&t.db, "process-b", now, lease, 7),
            );
            let (ra, rb) = (ra.unwrap(), rb.unwrap());
            if ra.is_empty() && rb.is_empty() {
                break;
            }
            a.extend(ra);
            b.extend(rb);
        }
        let sa: HashSet<i64> = a.iter().copied().collect();
        let sb: HashSet<i64> = b.iter().copied().collect();
        assert!(
            sa.is_disjoint(&sb),
            "{}: double claims {:?}",
            t.backend,
            sa.intersection(&sb).collect::<Vec<_>>()
        );
        assert_eq!(
            sa.len() + sb.len(),
            a.len() + b.len(),
            "{}: a process claimed twice",
            t.backend
        );
        let all: HashSet<i64> = sa.union(&sb).copied().collect();
        assert_eq!(
            all,
            ids.iter().copied().collect::<HashSet<_>>(),
            "{}: not all served",
            t.backend
        );
    }
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_old_holder_changes_nothing() {
    for t in common::databases().await {
        let ids = due_mailboxes(&t.db, 1, Plan::Standard).await;
        let now = Utc::now().trunc_subsecs(0);
        let first = schedule::claim_due(&t.db, "crashed", now, Duration::seconds(30), 10)
            .await
            .unwrap();
        assert_eq!(first, ids);
        let meanwhile = schedule::claim_due(
            &t.db,
            "other",
            now + Duration::seconds(10),
            Duration::seconds(30),
            10,
        )
        .await
        .unwrap();
        assert!(
            meanwhile.is_empty(),
            "{}: a live lease was taken",
            t.backend
        );
        let later = now + Duration::seconds(31);
        let taken = schedule::claim_due(&t.db, "other", later, Duration::seconds(30), 10)
            .await
            .unwrap();
        assert_eq!(taken, ids, "{}", t.backend);
        assert!(
            !schedule::finish(&t.db, ids[0], "crashed", Outcome::Synced, later)
                .await
                .unwrap()
        );
        assert!(
            schedule::finish(&t.db, ids[0], "other", Outcome::Synced, later)
                .await
                .unwrap()
        );
        let row = mailbox::Entity::find_by_id(ids[0])
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.status, MailboxStatus::Ready.as_str());
        // Standard plan: every 10 minutes.
        assert_eq!(
            row.next_sync_at.unwrap().timestamp(),
            (later + Duration::minutes(10)).timestamp(),
            "{}",
            t.backend
        );
        assert!(row.lease_owner.is_none());
    }
}

#[tokio::test]
async fn failures_back_off_and_a_refused_password_stops_the_schedule() {
    for t in common::databases().await {
        let ids = due_mailboxes(&t.db, 1, Plan::Free).await;
        let id = ids[0];
        // Whole seconds: PostgreSQL keeps microseconds, chrono nanoseconds.
        let mut now = Utc::now().trunc_subsecs(0);
        for expected_delay in [30, 60, 120] {
            assert_eq!(
                schedule::claim_due(&t.db, "p", now, Duration::minutes(5), 1)
                    .await
                    .unwrap(),
                ids
            );
            let failed = Outcome::Failed {
                error: "connection reset".into(),
            };
            assert!(schedule::finish(&t.db, id, "p", failed, now).await.unwrap());
            let row = mailbox::Entity::find_by_id(id)
                .one(&t.db)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(row.status, MailboxStatus::Failing.as_str());
            assert_eq!(
                (row.next_sync_at.unwrap() - now).num_seconds(),
                expected_delay,
                "{}",
                t.backend
            );
            now = row.next_sync_at.unwrap();
        }
        assert_eq!(
            schedule::backoff(20, Plan::Free),
            Duration::minutes(60),
            "capped at the plan interval"
        );
        assert_eq!(
            schedule::claim_due(&t.db, "p", now, Duration::minutes(5), 1)
                .await
                .unwrap(),
            ids
        );
        let refused = Outcome::AuthRefused {
            error: "AUTHENTICATIONFAILED".into(),
        };
        assert!(
            schedule::finish(&t.db, id, "p", refused, now)
                .await
                .unwrap()
        );
        let row = mailbox::Entity::find_by_id(id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.status, MailboxStatus::NeedsReconnect.as_str());
        assert!(row.next_sync_at.is_none());
        let later = now + Duration::days(2);
        assert!(
            schedule::claim_due(&t.db, "p", later, Duration::minutes(5), 1)
                .await
                .unwrap()
                .is_empty(),
            "{}",
            t.backend
        );
    }
}
