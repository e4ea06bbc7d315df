//! The plan's mailbox limit under concurrent connects and grants, against the real mail
//! stack, on SQLite and PostgreSQL. Before the user rows were locked, a Free user firing
//! three connects at once on PostgreSQL (READ COMMITTED) got 2 or 3 mailboxes in 3 of 5
//! trials: each transaction counted 0 before any had inserted.

use crate::common;

use common::{
    mail_stack::stack,
    mailbox_fixtures::{admin, member, request, settings, state},
};
use domain::{Access, Plan};
use services::{AppState, ServiceError, accounts::Actor, mailboxes, plan};

const USERS: [&str; 4] = ["alice", "bob", "demo", "catchall"];

/// Starts every connect at once on the multi-threaded runtime; returns their results.
/// `barrier` when other work must start at the same moment (sized for all of it).
async fn connect_together(
    st: &AppState,
    connects: Vec<(Actor, String, Access, Vec<i64>)>,
    barrier: Option<std::sync::Arc<tokio::sync::Barrier>>,
) -> Vec<Result<i64, ServiceError>> {
    let barrier =
        barrier.unwrap_or_else(|| std::sync::Arc::new(tokio::sync::Barrier::new(connects.len())));
    let tasks = connects
        .into_iter()
        .map(|(actor, draft, access, grantees)| {
            let (st, barrier) = (st.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                mailboxes::connect(&st, &actor, &draft, settings(access, grantees)).await
            })
        });
    futures_util::future::join_all(tasks)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect()
}

async fn draft(st: &AppState, s: &common::mail_stack::Stack, actor: &Actor, user: &str) -> String {
    mailboxes::check_and_draft(st, actor, request(s, user))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_free_user_connecting_four_at_once_gets_one() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        for trial in 0..5 {
            let owner = admin(&t.db, &format!("race{trial}@acme.com")).await;
            let mut connects = Vec::new();
            for user in USERS {
                let d = draft(&st, &s, &owner, user).await;
                connects.push((owner.clone(), d, Access::Personal, vec![]));
            }
            let results = connect_together(&st, connects, None).await;
            let connected = results.iter().filter(|r| r.is_ok()).count();
            assert_eq!(connected, 1, "{} trial {trial}: {results:?}", t.backend);
            for r in results.iter().filter(|r| r.is_err()) {
                assert!(
                    matches!(
                        r,
                        Err(ServiceError::MailboxLimit {
                            plan: Plan::Free,
                            limit: 1
                        })
                    ),
                    "{} trial {trial}: {r:?}",
                    t.backend
                );
            }
            assert_eq!(
                mailboxes::mailbox_count(&t.db, owner.user_id)
                    .await
                    .unwrap(),
                1,
                "{} trial {trial}",
                t.backend
            );
        }
    }
}

/// A user one short of the Standard limit (3): two colleagues share a new mailbox with
/// them, a third shares an existing one (Settings), while they connect one of their own,
/// all at once. Exactly one of the four fits.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn grants_and_a_connect_racing_for_the_last_place_let_one_through() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        for trial in 0..3 {
            let owner = admin(&t.db, &format!("grant-race{trial}@acme.com")).await;
            plan::set_plan(&t.db, &owner, Plan::Standard).await.unwrap();
            let colleague = member(&t.db, &owner, &format!("colleague{trial}@acme.com")).await;
            let target = member(&t.db, &owner, &format!("target{trial}@acme.com")).await;
            for user in ["alice", "bob"] {
                let d = draft(&st, &s, &target, user).await;
                mailboxes::connect(&st, &target, &d, settings(Access::Personal, vec![]))
                    .await
                    .unwrap();
            }
            let d = draft(&st, &s, &owner, "alice").await;
            let existing = mailboxes::connect(&st, &owner, &d, settings(Access::Personal, vec![]))
                .await
                .unwrap();
            let connects = vec![
                (
                    owner.clone(),
                    draft(&st, &s, &owner, "demo").await,
                    Access::Shared,
                    vec![target.user_id],
                ),
                (
                    colleague.clone(),
                    draft(&st, &s, &colleague, "catchall").await,
                    Access::Shared,
                    vec![target.user_id],
                ),
                (
                    target.clone(),
                    draft(&st, &s, &target, "demo").await,
                    Access::Personal,
                    vec![],
                ),
            ];
            let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(connects.len() + 1));
            let share_existing = {
                let (st, owner, barrier, target) =
                    (st.clone(), owner.clone(), barrier.clone(), target.user_id);
                tokio::spawn(async move {
                    barrier.wait().await;
                    mailboxes::update_settings(
                        &st,
                        &owner,
                        existing,
                        settings(Access::Shared, vec![target]),
                    )
                    .await
                    .map(|()| existing)
                })
            };
            let mut results = connect_together(&st, connects, Some(barrier)).await;
            results.push(share_existing.await.unwrap());
            let connected = results.iter().filter(|r| r.is_ok()).count();
            assert_eq!(connected, 1, "{} trial {trial}: {results:?}", t.backend);
            for r in results.iter().filter(|r| r.is_err()) {
                assert!(
                    matches!(
                        r,
                        Err(ServiceError::GranteeAtLimit { limit: 3, .. }
                            | ServiceError::MailboxLimit { limit: 3, .. })
                    ),
                    "{} trial {trial}: {r:?}",
                    t.backend
                );
            }
            assert_eq!(
                mailboxes::mailbox_count(&t.db, target.user_id)
                    .await
                    .unwrap(),
                3,
                "{} trial {trial}",
                t.backend
            );
        }
    }
}
