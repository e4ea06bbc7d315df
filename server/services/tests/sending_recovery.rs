//! Sending across crashes and lost rights, against the real Postfix + Dovecot, on SQLite
//! and PostgreSQL: a send taken over after its process died while handing the message
//! over is never repeated (and counts as sent when the copy is in Sent); one that died
//! after the server took the message only files its copy in Sent; one that died before
//! is sent once; one whose attempts keep dying stops once they pass the budget, and a
//! shutdown does not count against it; a grant taken away while a message waits stops it.
use crate::common;
use crate::send_fixtures;

use common::{
    mail_stack::{Stack, stack},
    smtp_cut_proxy::SmtpCut,
    wait::wait_until,
};
use domain::{ComposeView, SendProblem, SendState};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use send_fixtures::*;
use services::{
    accounts::Actor,
    entities::{draft, mailbox_grant},
    sending::SendConfig,
};
use std::time::Duration;

/// Marks draft `id` as claimed by a process that died `phase` ("connect", "data" or
/// "delivered")
/// into its attempt: its lease has run out.
async fn died_while(snd: &Sender, id: i64, phase: &str) {
    died_again_while(snd, id, phase, 0).await;
}

/// As [`died_while`], its claim taken over `takeovers` times in a row already.
async fn died_again_while(snd: &Sender, id: i64, phase: &str, takeovers: i32) {
    draft::Entity::update(draft::ActiveModel {
        id: Set(id),
        state: Set(SendState::Sending),
        phase: Set(Some(phase.into())),
        lease_owner: Set(Some("dead-process".into())),
        lease_until: Set(Some(chrono::Utc::now() - chrono::Duration::seconds(1))),
        attempts: Set(1),
        takeovers: Set(takeovers),
        ..Default::default()
    })
    .exec(snd.db())
    .await
    .unwrap();
}

/// Attempts that keep ending without an outcome (a process killed, crashing or panicking
/// on this draft each time) stop where the draft stands after the third takeover in a
/// row, instead of being taken over every lease for ever.
#[tokio::test]
async fn attempts_that_keep_ending_without_an_outcome_stop_the_draft() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let snd = sender(&t.db, &s, "rcvgiv", Smtp::Proxy(SmtpCut::Pass)).await;
        let bob = recipient("rcvgvb");
        let draft = async |subject: &str| {
            let fields = snd.fields(&email(&bob), &format!("{subject} {}", token()), "Again?");
            snd.draft(&snd.owner, &fields).await
        };
        // Nothing handed over yet: it fails, nothing is sent, the draft is kept.
        let id = draft("Connect").await;
        died_again_while(&snd, id, "connect", 3).await;
        stops_unsent(
            &snd,
            &snd.owner,
            id,
            SendProblem::Interrupted { times: 4 },
            b,
        )
        .await;
        assert_eq!(draft_row(&snd, id).await.body, "Again?", "{b}");

        // Within the budget the same crash is taken over and sent.
        let id = draft("Within").await;
        died_again_while(&snd, id, "connect", 2).await;
        let worker = snd.worker();
        snd.wait_sent(&snd.owner, id).await;
        worker.shutdown().await;
        assert_eq!(snd.proxy().counts.accepted(), 1, "{b}");
        let row = draft_row(&snd, id).await;
        assert_eq!(
            (row.attempts, row.takeovers),
            (1, 0),
            "{b}: a takeover is no retry, and an end sets the count back"
        );

        // Handed over: it may have been sent, and is not looked for nor sent again.
        let id = draft("Data").await;
        died_again_while(&snd, id, "data", 3).await;
        maybe_sent_unsent(&snd, id, b).await;

        // Taken by the server: sent, its copy in Sent given up.
        let id = draft("Delivered").await;
        let mid = snd.message_id(id).await;
        died_again_while(&snd, id, "delivered", 3).await;
        let connections = snd.proxy().counts.connections();
        let worker = snd.worker();
        let v = snd.wait_sent(&snd.owner, id).await;
        worker.shutdown().await;
        assert_eq!(v.failure, None, "{b}");
        assert_eq!(snd.wait_sent_copy(id).await, "given_up", "{b}");
        assert_eq!(snd.proxy().counts.connections(), connections, "{b}");
        assert!(copies(&s, &snd.user, "Sent", &mid).await.is_empty(), "{b}");
    }
}

/// A shutdown while an attempt is still connecting queues the draft again, counted
/// neither as a retry nor as a takeover: restarts use up none of its budgets.
#[tokio::test]
async fn a_shutdown_while_connecting_gives_the_attempt_back() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let snd = sender(&t.db, &s, "rcvrel", Smtp::Proxy(SmtpCut::Silent)).await;
        let bob = recipient("rcvrlb");
        let before = snd.proxy().counts.connections();
        let id = snd
            .send_new(&email(&bob), &format!("Held {}", token()), "Held.")
            .await;
        // Cancelled at once on shutdown, long before its connect would time out.
        let worker = snd.worker_with(SendConfig {
            shutdown_grace: Duration::from_millis(100),
            ..fast()
        });
        let connecting = wait_until(DELIVERY, || async {
            let row = draft_row(&snd, id).await;
            row.phase.as_deref() == Some("connect") && snd.proxy().counts.connections() > before
        })
        .await;
        assert!(connecting.is_some(), "{b}: the attempt never connected");
        worker.shutdown().await;
        let row = draft_row(&snd, id).await;
        assert_eq!(
            (
                row.state,
                row.attempts,
                row.takeovers,
                row.phase,
                row.lease_owner
            ),
            (SendState::Queued, 0, 0, None, None),
            "{b}"
        );

        snd.proxy().set_mode(SmtpCut::Pass);
        let worker = snd.worker();
        snd.wait_sent(&snd.owner, id).await;
        worker.shutdown().await;
        assert_eq!(snd.proxy().counts.accepted(), 1, "{b}");
        let row = draft_row(&snd, id).await;
        assert_eq!((row.attempts, row.takeovers), (1, 0), "{b}");
    }
}

#[tokio::test]
async fn a_send_cut_by_a_crash_while_handing_over_is_never_repeated() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "rcvdat", Smtp::Proxy(SmtpCut::Pass)).await;
        let bob = recipient("rcvdtb");
        let fields = snd.fields(&email(&bob), &format!("Crash {}", token()), "Handed over?");
        let id = snd.draft(&snd.owner, &fields).await;
        died_while(&snd, id, "data").await;
        let v = maybe_sent_unsent(&snd, id, t.backend).await;
        assert_eq!(
            v.fields.body, "Handed over?",
            "{}: the draft is kept",
            t.backend
        );

        // The same crash at a provider that files sent mail: the copy in Sent settles it.
        let fields = snd.fields(
            &email(&bob),
            &format!("Filed {}", token()),
            "Filed by the server.",
        );
        let id = snd.draft(&snd.owner, &fields).await;
        let mid = snd.message_id(id).await;
        let filed = message(
            &snd.email(),
            &email(&bob),
            "Filed",
            &mid,
            "",
            "Filed by the server.",
        );
        append(&s, &snd.user, "Sent", filed.as_bytes(), Some("(\\Seen)")).await;
        died_while(&snd, id, "data").await;
        filed_without_sending(&s, &snd, id, &mid, "provider", t.backend).await;
    }
}

#[tokio::test]
async fn a_send_cut_by_a_crash_after_the_server_took_it_is_sent_and_filed_once() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "rcvdlv", Smtp::Proxy(SmtpCut::Pass)).await;
        let bob = recipient("rcvdlb");
        let fields = snd.fields(&email(&bob), &format!("Took {}", token()), "Taken.");
        let id = snd.draft(&snd.owner, &fields).await;
        let mid = snd.message_id(id).await;
        died_while(&snd, id, "delivered").await;
        filed_without_sending(&s, &snd, id, &mid, "done", t.backend).await;
    }
}

#[tokio::test]
async fn a_send_cut_by_a_crash_before_handing_over_is_sent_once() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "rcvcon", Smtp::Proxy(SmtpCut::Pass)).await;
        let bob = recipient("rcvcnb");
        let fields = snd.fields(
            &email(&bob),
            &format!("Again {}", token()),
            "Never handed over.",
        );
        let id = snd.draft(&snd.owner, &fields).await;
        died_while(&snd, id, "connect").await;
        let worker = snd.worker();
        snd.wait_sent(&snd.owner, id).await;
        worker.shutdown().await;
        assert_eq!(snd.proxy().counts.accepted(), 1, "{}", t.backend);
        let mid = snd.message_id(id).await;
        let got = wait_count(&s, &bob, "INBOX", 1).await;
        assert_eq!(
            got.iter().map(|g| g.message_id()).collect::<Vec<_>>(),
            vec![Some(mid)],
            "{}: exactly one copy",
            t.backend
        );
    }
}

#[tokio::test]
async fn a_grant_taken_away_while_a_message_waits_stops_it() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "rcvgrt", Smtp::Proxy(SmtpCut::Pass)).await;
        let bob = recipient("rcvgrb");
        let fields = snd.fields(
            &email(&bob),
            &format!("Grant {}", token()),
            "From the desk.",
        );
        let id = snd.draft(&snd.grantee, &fields).await;
        snd.send(&snd.grantee, id, &fields).await;
        mailbox_grant::Entity::delete_many()
            .filter(mailbox_grant::Column::MailboxId.eq(snd.id))
            .exec(snd.db())
            .await
            .unwrap();
        stops_unsent(&snd, &snd.grantee, id, SendProblem::NotAllowed, t.backend).await;
    }
}

/// The recipients are counted again on what is stored when the message goes out: a save
/// that raced the Send cannot carry more than the limit out.
#[tokio::test]
async fn too_many_stored_recipients_stop_the_send() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "rcvmany", Smtp::Proxy(SmtpCut::Pass)).await;
        let bob = recipient("rcvmnb");
        let fields = snd.fields(&email(&bob), &format!("Many {}", token()), "To all.");
        let id = snd.draft(&snd.owner, &fields).await;
        snd.send(&snd.owner, id, &fields).await;
        // What a racing save would have left: 101 addresses.
        let many: Vec<String> = (0..101).map(|n| format!("r{n}@example.test")).collect();
        draft::Entity::update(draft::ActiveModel {
            id: Set(id),
            to_addrs: Set(many.join(", ")),
            ..Default::default()
        })
        .exec(snd.db())
        .await
        .unwrap();
        let problem = SendProblem::TooManyRecipients { limit: 100 };
        stops_unsent(&snd, &snd.owner, id, problem, t.backend).await;
    }
}

/// A worker takes draft `id` over and leaves it "may have been sent", without a
/// connection to the SMTP server; its view.
async fn maybe_sent_unsent(snd: &Sender, id: i64, backend: &str) -> ComposeView {
    let connections = snd.proxy().counts.connections();
    let worker = snd.worker();
    let v = snd
        .wait_view(&snd.owner, id, "settled", DELIVERY, |v| {
            v.state != SendState::Sending
        })
        .await;
    worker.shutdown().await;
    assert_eq!(v.state, SendState::Unconfirmed, "{backend}: {v:#?}");
    assert_eq!(
        v.failure.as_ref().map(|f| &f.problem),
        Some(&SendProblem::MaybeSent),
        "{backend}"
    );
    assert_eq!(
        snd.proxy().counts.connections(),
        connections,
        "{backend}: the takeover sent nothing"
    );
    v
}

/// A worker takes draft `id` and stops it with `problem`, without a connection to the
/// SMTP server.
async fn stops_unsent(snd: &Sender, actor: &Actor, id: i64, problem: SendProblem, backend: &str) {
    let connections = snd.proxy().counts.connections();
    let worker = snd.worker();
    let v = snd
        .wait_view(actor, id, "settled", DELIVERY, |v| {
            matches!(v.state, SendState::Failed | SendState::Sent)
        })
        .await;
    worker.shutdown().await;
    assert_eq!(v.state, SendState::Failed, "{backend}");
    assert_eq!(v.failure.map(|f| f.problem), Some(problem), "{backend}");
    assert_eq!(
        snd.proxy().counts.connections(),
        connections,
        "{backend}: nothing sent"
    );
}

/// A worker takes draft `id` over and ends it sent, without a connection to the SMTP
/// server, its copy in Sent `copy` ("provider": found there; "done": appended) and once.
async fn filed_without_sending(
    s: &Stack,
    snd: &Sender,
    id: i64,
    mid: &str,
    copy: &str,
    backend: &str,
) {
    let connections = snd.proxy().counts.connections();
    let worker = snd.worker();
    let v = snd.wait_sent(&snd.owner, id).await;
    worker.shutdown().await;
    assert_eq!(v.failure, None, "{backend}: not \"maybe sent\"");
    assert_eq!(snd.wait_sent_copy(id).await, copy, "{backend}");
    assert_eq!(
        snd.proxy().counts.connections(),
        connections,
        "{backend}: nothing sent again"
    );
    assert_eq!(
        copies(s, &snd.user, "Sent", mid).await.len(),
        1,
        "{backend}: filed once"
    );
}
