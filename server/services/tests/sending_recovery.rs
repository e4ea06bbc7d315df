//! Sending across crashes and lost rights, against the real Postfix + Dovecot, on SQLite
//! and PostgreSQL: a send taken over after its process died while handing the message
//! over is never repeated (and counts as sent when the copy is in Sent); one that died
//! before is sent once; a grant taken away while a message waits stops it.
use crate::common;
use crate::send_fixtures;

use common::{mail_stack::stack, smtp_cut_proxy::SmtpCut};
use domain::{SendProblem, SendState};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use send_fixtures::*;
use services::entities::{draft, mailbox_grant};

/// Marks draft `id` as claimed by a process that died `phase` ("connect" or "data")
/// into its attempt: its lease has run out.
async fn died_while(snd: &Sender, id: i64, phase: &str) {
    draft::Entity::update(draft::ActiveModel {
        id: Set(id),
        state: Set(SendState::Sending),
        phase: Set(Some(phase.into())),
        lease_owner: Set(Some("dead-process".into())),
        lease_until: Set(Some(chrono::Utc::now() - chrono::Duration::seconds(1))),
        attempts: Set(1),
        ..Default::default()
    })
    .exec(snd.db())
    .await
    .unwrap();
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
        let connections = snd.proxy().counts.connections();
        let worker = snd.worker();
        let v = snd
            .wait_view(&snd.owner, id, "settled", DELIVERY, |v| {
                v.state != SendState::Sending
            })
            .await;
        worker.shutdown().await;
        assert_eq!(v.state, SendState::Unconfirmed, "{}: {v:#?}", t.backend);
        assert_eq!(
            v.failure.map(|f| f.problem),
            Some(SendProblem::MaybeSent),
            "{}",
            t.backend
        );
        assert_eq!(
            snd.proxy().counts.connections(),
            connections,
            "{}: the takeover sent nothing",
            t.backend
        );
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
        let worker = snd.worker();
        snd.wait_sent(&snd.owner, id).await;
        worker.shutdown().await;
        assert_eq!(snd.wait_sent_copy(id).await, "provider", "{}", t.backend);
        assert_eq!(
            snd.proxy().counts.connections(),
            connections,
            "{}: nothing sent again",
            t.backend
        );
        assert_eq!(
            copies(&s, &snd.user, "Sent", &mid).await.len(),
            1,
            "{}",
            t.backend
        );
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
        let connections = snd.proxy().counts.connections();
        let worker = snd.worker();
        let v = snd
            .wait_view(&snd.grantee, id, "settled", DELIVERY, |v| {
                matches!(v.state, SendState::Failed | SendState::Sent)
            })
            .await;
        worker.shutdown().await;
        assert_eq!(v.state, SendState::Failed, "{}", t.backend);
        assert_eq!(
            v.failure.map(|f| f.problem),
            Some(SendProblem::NotAllowed),
            "{}",
            t.backend
        );
        assert_eq!(
            snd.proxy().counts.connections(),
            connections,
            "{}",
            t.backend
        );
    }
}
