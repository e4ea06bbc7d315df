//! A send's claim while its attempt runs, against the real Postfix behind a proxy, on
//! SQLite and PostgreSQL: an attempt that takes longer than the lease keeps its claim,
//! so no other process takes the draft over and sends it a second time.
use crate::common;
use crate::send_fixtures;

use common::{mail_stack::stack, smtp_cut_proxy::SmtpCut, wait::wait_until};
use domain::SendState;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
use send_fixtures::*;
use services::sending::SendConfig;
use std::time::Duration;

/// Two processes; the server says nothing, so the attempt stays connecting for three
/// leases: its process renews the claim, the other never takes it over, and once the
/// connect times out the draft waits for its retry, one connection made and no takeover.
/// Then, the server answering, it is sent once.
#[tokio::test]
async fn an_attempt_longer_than_the_lease_keeps_its_claim() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let snd = sender(&t.db, &s, "lsslow", Smtp::Proxy(SmtpCut::Silent)).await;
        let bob = recipient("lsslwb");
        let before = snd.proxy().counts.connections();
        let id = snd
            .send_new(&email(&bob), &format!("Slow {}", token()), "Slow.")
            .await;
        let short = SendConfig {
            lease: Duration::from_secs(3),
            command_limit: Duration::from_secs(9),
            // The retry after the connect's timeout waits: the row shows that outcome.
            first_delay: Duration::from_secs(600),
            poll: Duration::from_millis(100),
            ..fast()
        };
        let first = snd.worker_with(short.clone());
        let second = snd.worker_with(short);
        // Claimed (attempts 1), then no longer sending: back in the queue.
        let ended = wait_until(DELIVERY, || async {
            let row = draft_row(&snd, id).await;
            row.attempts >= 1 && row.state != SendState::Sending
        })
        .await;
        assert!(ended.is_some(), "{b}: the attempt never ended");
        let row = draft_row(&snd, id).await;
        assert_eq!(
            (
                row.state,
                row.attempts,
                row.takeovers,
                row.lease_owner.clone()
            ),
            (SendState::Queued, 1, 0, None),
            "{b}: one attempt, never taken over"
        );
        assert_eq!(
            snd.proxy().counts.connections(),
            before + 1,
            "{b}: one connection"
        );
        first.shutdown().await;
        second.shutdown().await;

        snd.proxy().set_mode(SmtpCut::Pass);
        let mut due = row.into_active_model();
        due.send_at = Set(Some(chrono::Utc::now()));
        due.update(snd.db()).await.unwrap();
        let worker = snd.worker();
        snd.wait_sent(&snd.owner, id).await;
        worker.shutdown().await;
        assert_eq!(snd.proxy().counts.accepted(), 1, "{b}");
    }
}
