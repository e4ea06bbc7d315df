//! The plan-tier scheduler's claims on SQLite and PostgreSQL: two processes never hold the
//! same mailbox, every due mailbox is served, an expired lease is taken over, and outcomes
//! set the next run (plan interval, back-off, or stop on a refused password). Leases: a
//! Sync now during a run is kept, the next look is when a lease lapses, released leases
//! are due at once, a restarted instance takes back only its own, renewal reports a lease
//! taken over.

use crate::common;

use common::schedule_fixtures::due_mailboxes;

use chrono::{Duration, SubsecRound, Utc};
use domain::{MailboxStatus, Plan};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
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
            !schedule::finish(&t.db, ids[0], "crashed", Outcome::Synced, now, later)
                .await
                .unwrap()
        );
        assert!(
            schedule::finish(&t.db, ids[0], "other", Outcome::Synced, later, later)
                .await
                .unwrap()
        );
        let row = mailbox::Entity::find_by_id(ids[0])
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.status, MailboxStatus::Ready);
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
            assert!(
                schedule::finish(&t.db, id, "p", failed, now, now)
                    .await
                    .unwrap()
            );
            let row = mailbox::Entity::find_by_id(id)
                .one(&t.db)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(row.status, MailboxStatus::Failing);
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
            schedule::finish(&t.db, id, "p", refused, now, now)
                .await
                .unwrap()
        );
        let row = mailbox::Entity::find_by_id(id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.status, MailboxStatus::NeedsReconnect);
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

#[tokio::test]
async fn a_sync_now_during_a_run_is_kept_for_right_after_it() {
    for t in common::databases().await {
        let ids = due_mailboxes(&t.db, 2, Plan::Professional).await;
        let claimed_at = Utc::now() - Duration::seconds(5);
        let claimed = schedule::claim_due(&t.db, "p", claimed_at, Duration::seconds(30), 2)
            .await
            .unwrap();
        assert_eq!(claimed, ids);
        // Asked for (or new mail seen by IDLE) while the runs were under way: only ids[0].
        assert!(schedule::sync_now(&t.db, ids[0]).await.unwrap());
        // Whole seconds: PostgreSQL keeps microseconds.
        let now = Utc::now().trunc_subsecs(0) + Duration::seconds(1);
        for id in &ids {
            assert!(
                schedule::finish(&t.db, *id, "p", Outcome::Synced, claimed_at, now)
                    .await
                    .unwrap()
            );
        }
        let asked = mailbox::Entity::find_by_id(ids[0])
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        let quiet = mailbox::Entity::find_by_id(ids[1])
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert!(
            asked.next_sync_at.unwrap() <= Utc::now(),
            "{}: runs again at once",
            t.backend
        );
        assert!(asked.lease_owner.is_none() && asked.last_sync_at.is_some());
        assert_eq!(
            (quiet.next_sync_at.unwrap() - now).num_seconds(),
            Duration::minutes(5).num_seconds(),
            "{}: the plan's interval",
            t.backend
        );
    }
}

#[tokio::test]
async fn the_next_look_is_when_a_lease_lapses_and_released_leases_are_due_at_once() {
    for t in common::databases().await {
        let ids = due_mailboxes(&t.db, 3, Plan::Professional).await;
        let now = Utc::now().trunc_subsecs(0);
        let claimed = schedule::claim_due(&t.db, "gone", now, Duration::seconds(30), 3)
            .await
            .unwrap();
        assert_eq!(claimed, ids);
        // Every mailbox is due but leased: the scheduler looks again when the leases lapse.
        let due = schedule::next_due(&t.db).await.unwrap().unwrap();
        assert_eq!(due, now + Duration::seconds(30), "{}", t.backend);
        // A clean shutdown gives two of them back, due at once; another owner's release
        // changes nothing.
        let later = now + Duration::seconds(3);
        assert_eq!(
            schedule::release(&t.db, "someone-else", &ids, later)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            schedule::release(&t.db, "gone", &ids[..2], later)
                .await
                .unwrap(),
            2,
            "{}",
            t.backend
        );
        assert_eq!(schedule::next_due(&t.db).await.unwrap(), Some(later));
        let taken = schedule::claim_due(&t.db, "next", later, Duration::seconds(30), 10)
            .await
            .unwrap();
        assert_eq!(taken, ids[..2].to_vec(), "{}", t.backend);
    }
}

#[tokio::test]
async fn a_restarted_instance_takes_back_only_its_own_leases() {
    for t in common::databases().await {
        let ids = due_mailboxes(&t.db, 4, Plan::Professional).await;
        let now = Utc::now();
        let owners = [
            "host-a|127.0.0.1:3000#111-old",
            "host-a|127.0.0.1:30001#222-live",
            "host-b|127.0.0.1:3000#333-live",
            "plain-owner",
        ];
        for (id, owner) in ids.iter().zip(owners) {
            mailbox::Entity::update_many()
                .col_expr(mailbox::Column::LeaseOwner, Expr::value(owner))
                .col_expr(
                    mailbox::Column::LeaseUntil,
                    Expr::value(now + Duration::seconds(30)),
                )
                .filter(mailbox::Column::Id.eq(*id))
                .exec(&t.db)
                .await
                .unwrap();
        }
        let released = schedule::release_instance(
            &t.db,
            "host-a|127.0.0.1:3000#",
            "host-a|127.0.0.1:3000#444-new",
        )
        .await
        .unwrap();
        assert_eq!(released, 1, "{}", t.backend);
        let taken = schedule::claim_due(
            &t.db,
            "host-a|127.0.0.1:3000#444-new",
            now,
            Duration::seconds(30),
            10,
        )
        .await
        .unwrap();
        assert_eq!(taken, vec![ids[0]], "{}: only the predecessor's", t.backend);
    }
}

#[tokio::test]
async fn renewal_reports_a_lease_taken_over() {
    for t in common::databases().await {
        let ids = due_mailboxes(&t.db, 2, Plan::Professional).await;
        let now = Utc::now();
        schedule::claim_due(&t.db, "slow", now, Duration::seconds(1), 2)
            .await
            .unwrap();
        let later = now + Duration::seconds(2);
        // Another process takes one over after the lapse (the other was renewed in time
        // in real life; here it is simply not due for it).
        mailbox::Entity::update_many()
            .col_expr(
                mailbox::Column::LeaseUntil,
                Expr::value(later + Duration::seconds(30)),
            )
            .filter(mailbox::Column::Id.eq(ids[1]))
            .exec(&t.db)
            .await
            .unwrap();
        assert_eq!(
            schedule::claim_due(&t.db, "fast", later, Duration::seconds(30), 2)
                .await
                .unwrap(),
            vec![ids[0]]
        );
        let held = schedule::renew(&t.db, "slow", &ids, later + Duration::seconds(30))
            .await
            .unwrap();
        assert_eq!(held, vec![ids[1]], "{}", t.backend);
    }
}

#[tokio::test]
async fn idle_never_resumes_a_mailbox_that_needs_a_new_password() {
    for t in common::databases().await {
        let id = due_mailboxes(&t.db, 1, Plan::Professional).await[0];
        let now = Utc::now();
        schedule::claim_due(&t.db, "p", now, Duration::seconds(30), 1)
            .await
            .unwrap();
        let refused = Outcome::AuthRefused {
            error: "AUTHENTICATIONFAILED".into(),
        };
        schedule::finish(&t.db, id, "p", refused, now, now)
            .await
            .unwrap();
        assert!(
            !schedule::sync_now(&t.db, id).await.unwrap(),
            "{}",
            t.backend
        );
        let row = mailbox::Entity::find_by_id(id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert!(row.next_sync_at.is_none(), "{}", t.backend);
    }
}
