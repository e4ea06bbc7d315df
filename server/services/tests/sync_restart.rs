//! The mail server restarts in the middle of a sync (its own test binary: it stops the
//! shared Dovecot). The run fails with a retryable error; the next run completes and the
//! app holds exactly what the server holds.

mod common;

use common::{mail_stack::stack, mailbox_fixtures::state, sync_fixtures::*, wait::wait_until};
use services::sync::schedule::Outcome;
use std::time::Duration;

#[tokio::test]
async fn a_server_restart_mid_sync_is_retried_to_the_exact_state() {
    let s = stack();
    let user = mail_user("restart");
    seed(&user, 1500, "INBOX");
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let mut engine = engine(&st);
        // Small batches: a run long enough for the restart to land inside it.
        engine.limits.header_batch = 25;
        engine.limits.body_batch = 2;
        let run = tokio::spawn({
            let engine = engine.clone();
            async move { engine.sync_mailbox(id).await }
        });
        // Wait until the run is inside the folder (bounded), then restart the server under it.
        let inside = wait_until(Duration::from_secs(30), || async {
            folder(&t.db, id, "INBOX").await.headers_done != 0
        })
        .await;
        assert!(
            inside.is_some(),
            "{}: the run never reached the folder",
            t.backend
        );
        tokio::task::spawn_blocking(|| {
            mail_stack(&["stop"]);
            mail_stack(&["start"]);
        })
        .await
        .unwrap();
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
