//! When the scheduler looks next: the earliest due time, or the end of a lease that outlasts
//! its mailbox's due time, read off two indexes (`next_sync_at`, and the partial index on
//! `lease_until`) rather than computed over every mailbox, on SQLite and PostgreSQL.

use crate::common;

use common::schedule_fixtures::due_mailboxes;

use chrono::{Duration, SubsecRound, Utc};
use domain::Plan;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};
use services::{entities::mailbox, sync::schedule};

#[tokio::test]
async fn the_next_look_is_the_earliest_due_time_or_lapse_read_off_two_indexes() {
    for t in common::databases().await {
        let ids = due_mailboxes(&t.db, 3, Plan::Professional).await;
        let now = Utc::now().trunc_subsecs(0);
        let set = |id: i64, next: Duration, lease: Option<Duration>| {
            mailbox::Entity::update_many()
                .col_expr(mailbox::Column::NextSyncAt, Expr::value(now + next))
                .col_expr(
                    mailbox::Column::LeaseUntil,
                    Expr::value(lease.map(|l| now + l)),
                )
                .filter(mailbox::Column::Id.eq(id))
                .exec(&t.db)
        };
        // Due in 60 s; due now but leased for 30 s; due in 20 s under a lease that ends
        // before that (the due time counts).
        set(ids[0], Duration::seconds(60), None).await.unwrap();
        set(ids[1], Duration::zero(), Some(Duration::seconds(30)))
            .await
            .unwrap();
        set(ids[2], Duration::seconds(20), Some(Duration::seconds(10)))
            .await
            .unwrap();
        let next = || schedule::next_due(&t.db);
        assert_eq!(
            next().await.unwrap(),
            Some(now + Duration::seconds(20)),
            "{}",
            t.backend
        );
        // The third later than the lease of the second: the lease's end.
        set(ids[2], Duration::seconds(45), None).await.unwrap();
        assert_eq!(
            next().await.unwrap(),
            Some(now + Duration::seconds(30)),
            "{}",
            t.backend
        );
        // The second's lease given back: its due time, now.
        set(ids[1], Duration::zero(), None).await.unwrap();
        assert_eq!(next().await.unwrap(), Some(now), "{}", t.backend);

        // The plan on SQLite (PostgreSQL's planner scans a table this small whatever its
        // indexes): each half reads an index's first rows, neither reads every mailbox.
        if t.backend == "sqlite" {
            let plan =
                t.db.query_all_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Sqlite,
                    format!("EXPLAIN QUERY PLAN {}", schedule::NEXT_DUE),
                ))
                .await
                .unwrap()
                .iter()
                .map(|row| row.try_get::<String>("", "detail").unwrap())
                .collect::<Vec<_>>();
            for index in ["idx_mailboxes_next_sync_at", "idx_mailboxes_lease_until"] {
                assert!(
                    plan.iter().any(|step| step.contains(index)),
                    "{index} not used: {plan:?}"
                );
            }
            assert!(
                !plan.iter().any(|step| step.trim() == "SCAN mailboxes"),
                "a full scan: {plan:?}"
            );
        }
    }
}
