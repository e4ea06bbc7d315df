//! The mail server restarts in the middle of a sync (its own test binary: it stops the
//! Dovecot it runs against, which `make test` makes a second mail stack of its own). The
//! run fails with a retryable error; the next run completes and the app holds exactly what
//! the server holds.
//!
//! The run goes through a proxy that holds the connection once 1 MB of the mailbox's 9 MB
//! has passed, until the server has restarted: so the restart lands inside the run however
//! fast the machine is (without it, a fast machine finished the run before the restart).

mod common;

use common::{
    cut_proxy::{CutProxy, ipv4_upstream, through},
    mail_stack::stack,
    mailbox_fixtures::state,
    sync_fixtures::*,
    wait::wait_until,
};
use services::sync::schedule::Outcome;
use std::{sync::atomic::Ordering, time::Duration};

/// Bytes of the connection (TLS included) before it holds: past the folder's header pass,
/// long before the end of the 1,500 messages' 9 MB.
const HOLD_AFTER: u64 = 1 << 20;

#[tokio::test]
async fn a_server_restart_mid_sync_is_retried_to_the_exact_state() {
    let s = stack();
    let user = mail_user("restart");
    seed(&user, 1500, "INBOX");
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let proxy = CutProxy::start(ipv4_upstream(&s)).await;
        through(&t.db, id, &proxy).await;
        proxy.hold_after.store(HOLD_AFTER, Ordering::SeqCst);
        let mut engine = engine(&st);
        // A small header pass: the hold lands after it, in the rest of the mail.
        engine.limits.header_batch = 25;
        let run = tokio::spawn({
            let engine = engine.clone();
            async move { engine.sync_mailbox(id).await }
        });
        // Wait until the run's connection holds (bounded), then restart the server under it.
        let holding = wait_until(Duration::from_secs(30), || async {
            proxy.held.load(Ordering::SeqCst) != 0
        })
        .await;
        assert!(
            holding.is_some(),
            "{}: the run never got 1 MB far",
            t.backend
        );
        let inside = folder(&t.db, id, "INBOX").await;
        assert!(
            inside.headers_done != 0 && inside.bodies_done < 1500,
            "{}: the hold must be inside the folder: {} headers, {} bodies",
            t.backend,
            inside.headers_done,
            inside.bodies_done
        );
        tokio::task::spawn_blocking(|| {
            mail_stack(&["stop"]);
            mail_stack(&["start"]);
        })
        .await
        .unwrap();
        proxy.release();
        let first = run.await.unwrap();
        eprintln!("{}: the run under the restart ended {first:?}", t.backend);
        let f = folder(&t.db, id, "INBOX").await;
        assert!(
            matches!(first, Outcome::Failed { .. }),
            "{}: the restart must cut the run: {first:?} ({} bodies done)",
            t.backend,
            f.bodies_done
        );
        sync_and_compare(&engine, &st, &s, &user, id, &["INBOX"]).await;
        assert_eq!(folder(&t.db, id, "INBOX").await.in_range, 1500);
    }
}
