//! A crash or a restart resumes within seconds — the real `mailcenter` binary as a child
//! process, against the real Dovecot, on SQLite and PostgreSQL. A 10,000-message INBOX
//! (seeded reproducibly) is syncing when the process is stopped:
//!
//! - SIGKILL, restarted on the same address (a restart): it takes its predecessor's
//!   leases back at start and resumes at once;
//! - SIGKILL, another process on another address (another host): it takes the mailbox
//!   over the moment the lease lapses (6 s here, `SYNC_LEASE_SECS`; 30 s by default);
//! - SIGTERM (a deploy), with `SYNC_SHUTDOWN_GRACE_SECS=0` so the run is certainly cut:
//!   the process gives the lease back, due at once, and exits; another process on another
//!   address goes on at once. (A run that ends within the grace records its outcome:
//!   `services/tests/sync_leases.rs`.)
//!
//! Every case ends with every message of the server stored exactly once. The figures are
//! printed. The cases run side by side (libtest's threads, two on two cores), each on
//! databases of its own: the take-over case spends most of its time waiting out the
//! lease, which the others' syncs then fill. The limits asserted (half the lease, 3 s, to
//! resume against 0.07–0.22 s measured, so a restart that waited for its old lease fails;
//! the lease plus 5 s to take over) hold under that load.

mod support;

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use services::entities::{mailbox_folder, message};
use std::{
    process::Command,
    time::{Duration, Instant},
};
use support::crash_fixtures::*;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Stop {
    /// SIGKILL, then the same instance (host and address) starts again.
    KillRestart,
    /// SIGKILL, then another process on another address.
    KillOtherProcess,
    /// SIGTERM, then another process on another address.
    Term,
}

async fn stop_mid_sync_and_resume(stop: Stop) {
    let env = stack_env();
    let on_server = server_uids(&env).await;
    assert_eq!(on_server.len() as u64, MESSAGES);
    for backend in ["sqlite", "postgres"] {
        let dir = std::env::temp_dir().join(format!(
            "mailcenter-crash-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let url = fresh_database(backend, &dir).await;
        let db = services::db::connect_and_migrate(&url).await.unwrap();
        let id = connected_mailbox(&db, &env).await;
        let inbox = mailbox_folder::Entity::find()
            .filter(mailbox_folder::Column::MailboxId.eq(id))
            .filter(mailbox_folder::Column::Name.eq("INBOX"))
            .one(&db)
            .await
            .unwrap()
            .unwrap()
            .id;
        let first_port = free_port();
        let started = Instant::now();
        let first_name = if stop == Stop::Term {
            "first-term"
        } else {
            "first"
        };
        let mut first = server(first_name, &dir, &url, first_port, &env);
        // Stopped once some bodies are stored, and not all.
        let mid_sync = within(Duration::from_secs(120), || async {
            let n = bodies_done(&db, inbox).await;
            n > 0 && n < MESSAGES / 2
        })
        .await;
        let holder = mailbox_row(&db, id).await.lease_owner;
        let stopped_at = Instant::now();
        match stop {
            Stop::KillRestart | Stop::KillOtherProcess => first.kill().unwrap(),
            Stop::Term => {
                let term = Command::new("kill")
                    .args(["-TERM", &first.id().to_string()])
                    .status()
                    .unwrap();
                assert!(term.success());
            }
        }
        let exited = within(Duration::from_secs(20), || {
            let exited = first.try_wait().unwrap().is_some();
            async move { exited }
        })
        .await;
        assert!(
            mid_sync.is_some(),
            "{backend}: the sync never showed some bodies stored but not all ({} of {MESSAGES})",
            bodies_done(&db, inbox).await
        );
        assert!(
            exited.is_some(),
            "{backend}: the first process did not exit"
        );
        let exit_time = stopped_at.elapsed();
        let at_stop = bodies_done(&db, inbox).await;
        let after_stop = mailbox_row(&db, id).await;
        let log = |name: &str| {
            std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default()
        };
        assert!(
            holder.is_some(),
            "{backend}: the first process held the mailbox"
        );
        if stop == Stop::Term {
            assert!(
                exit_time < Duration::from_secs(5),
                "{backend}: a grace of 0 s stops at once ({exit_time:?})"
            );
            assert!(
                after_stop.lease_owner.is_none() && after_stop.lease_until.is_none(),
                "{backend}: a clean stop gives the lease back; log:\n{}",
                log(first_name)
            );
            assert!(
                after_stop.last_sync_at.is_none(),
                "{backend}: the run was cut"
            );
            assert!(
                after_stop.next_sync_at.is_some_and(|at| at <= Utc::now()),
                "{backend}: due at once"
            );
        } else {
            assert_eq!(
                after_stop.lease_owner, holder,
                "{backend}: a kill leaves the lease"
            );
        }
        let (resumed, finished) = {
            let second_port = match stop {
                Stop::KillRestart => first_port,
                Stop::KillOtherProcess | Stop::Term => free_port(),
            };
            let mut second = server("second", &dir, &url, second_port, &env);
            // Syncing again: the mailbox is held by a live lease of another owner.
            let resumed = within(LEASE + Duration::from_secs(15), || async {
                let row = mailbox_row(&db, id).await;
                row.lease_owner.is_some() && row.lease_owner != holder
            })
            .await
            .map(|_| stopped_at.elapsed());
            let finished = within(Duration::from_secs(120), || async {
                let row = mailbox_row(&db, id).await;
                row.last_sync_at.is_some() && row.lease_owner.is_none()
            })
            .await
            .map(|_| stopped_at.elapsed());
            second.kill().ok();
            second.wait().ok();
            assert!(
                resumed.is_some() && finished.is_some(),
                "{backend} {stop:?}: not resumed and finished; first log:\n{}\nsecond log:\n{}",
                log(first_name),
                log("second")
            );
            let resumed = resumed.unwrap();
            if stop != Stop::KillOtherProcess {
                // Half the lease: a restart that waited for its old lease to lapse fails.
                assert!(
                    resumed < LEASE / 2,
                    "{backend} {stop:?}: resumed at once, not after the lease ({resumed:?})"
                );
            } else {
                assert!(
                    resumed <= LEASE + Duration::from_secs(5),
                    "{backend}: taken over when the lease lapsed ({resumed:?})"
                );
            }
            (resumed, finished.unwrap())
        };
        let total = started.elapsed();
        // Every message of the server exactly once, every body fetched.
        let rows: Vec<(i64, Option<String>, String)> = message::Entity::find()
            .select_only()
            .column(message::Column::Uid)
            .column(message::Column::MessageId)
            .column(message::Column::BodyState)
            .filter(message::Column::FolderId.eq(inbox))
            .into_tuple()
            .all(&db)
            .await
            .unwrap();
        let mut uids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        uids.sort_unstable();
        assert_eq!(
            uids, on_server,
            "{backend} {stop:?}: the app holds the server's UIDs once"
        );
        let distinct: std::collections::HashSet<&Option<String>> =
            rows.iter().map(|r| &r.1).collect();
        assert_eq!(distinct.len(), rows.len(), "{backend}: no message twice");
        assert!(
            rows.iter().all(|r| r.2 != "pending"),
            "{backend}: every body fetched"
        );
        eprintln!(
            "{backend} {stop:?}: stopped with {at_stop} of {MESSAGES} bodies stored \
             (exited {exit_time:.2?} after the signal); syncing again {resumed:.2?} after it; \
             all {MESSAGES} stored once {finished:.2?} after it ({total:.2?} in all, at {})",
            Utc::now().format("%H:%M:%S")
        );
        db.close().await.ok();
        std::fs::remove_dir_all(&dir).ok();
    }
}

#[tokio::test]
async fn a_killed_process_restarted_resumes_at_once() {
    stop_mid_sync_and_resume(Stop::KillRestart).await;
}

#[tokio::test]
async fn a_killed_process_is_taken_over_when_its_lease_lapses() {
    stop_mid_sync_and_resume(Stop::KillOtherProcess).await;
}

#[tokio::test]
async fn a_terminated_process_gives_its_lease_back_and_the_next_goes_on_at_once() {
    stop_mid_sync_and_resume(Stop::Term).await;
}
