//! Sending refused by the server, against the real Postfix + Dovecot, on SQLite and
//! PostgreSQL: a rejected recipient, a wrong SMTP password, a message over the server's
//! size limit. Each fails the draft with the reason and keeps its text; connections cut
//! mid-send are `sending_cuts`.
use crate::common;
use crate::send_fixtures;

use common::{mail_stack::stack, smtp_cut_proxy::SmtpCut};
use domain::{SendProblem, SendState};
use send_fixtures::*;

#[tokio::test]
async fn a_rejected_recipient_fails_the_send_names_it_and_delivers_to_no_one() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "fltrej", Smtp::Proxy(SmtpCut::Pass)).await;
        let bob = recipient("rcprej");
        let worker = snd.worker();
        let unknown = format!("nobody-{}@example.test", token());
        let mut fields = snd.fields(
            &format!("{}, {unknown}", email(&bob)),
            &format!("Двом {}", token()),
            "Один з адресатів не існує.",
        );
        fields.cc = String::new();
        let (id, v) = snd.send_settled(&fields).await;
        assert_eq!(
            v.state,
            SendState::Failed,
            "{}: {:#?}",
            t.backend,
            v.failure
        );
        let failure = v.failure.clone().unwrap();
        assert_eq!(
            failure.problem,
            SendProblem::RecipientsRejected,
            "{}",
            t.backend
        );
        assert_eq!(
            failure.recipients.len(),
            1,
            "{}: {:?}",
            t.backend,
            failure.recipients
        );
        let r = &failure.recipients[0];
        assert_eq!(r.address, unknown, "{}", t.backend);
        assert!(
            r.server_text.contains("5.1.1") && r.server_text.contains("Recipient address rejected"),
            "{}: Postfix's words: {:?}",
            t.backend,
            r.server_text
        );
        assert_eq!(
            failure.retry_at, None,
            "{}: not retried by itself",
            t.backend
        );
        assert_eq!(v.fields, fields, "{}: the draft is intact", t.backend);
        assert_eq!(
            snd.proxy().counts.accepted(),
            0,
            "{}: no message reached Postfix's queue",
            t.backend
        );
        assert!(folder(&s, &bob, "INBOX").await.is_empty(), "{}", t.backend);

        // Fixed and sent again: delivered once.
        fields.to = email(&bob);
        snd.send(&snd.owner, id, &fields).await;
        snd.wait_sent(&snd.owner, id).await;
        worker.shutdown().await;
        assert_exactly_once(&s, &snd, &bob, id).await;
    }
}

#[tokio::test]
async fn a_wrong_smtp_password_fails_as_login_refused_and_keeps_the_draft() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "fltpw", Smtp::Direct).await;
        let bob = recipient("rcppw");
        // A private mail user: its password changes behind the app's back.
        set_password(&snd.user, &format!("changed-{}", token()));
        let worker = snd.worker();
        let fields = snd.fields(
            &email(&bob),
            &format!("Пароль {}", token()),
            "Старий пароль.",
        );
        let (_, v) = snd.send_settled(&fields).await;
        assert_eq!(
            v.state,
            SendState::Failed,
            "{}: {:#?}",
            t.backend,
            v.failure
        );
        let failure = v.failure.clone().unwrap();
        assert!(
            // The login check reports a refused password without the server's words.
            matches!(&failure.problem, SendProblem::LoginRefused { .. }),
            "{}: {:?}",
            t.backend,
            failure.problem
        );
        assert_eq!(v.fields, fields, "{}: the draft is intact", t.backend);
        worker.shutdown().await;
        assert!(folder(&s, &bob, "INBOX").await.is_empty(), "{}", t.backend);
    }
}

#[tokio::test]
async fn a_message_over_the_servers_size_limit_fails_as_too_large() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "fltbig", Smtp::Small).await;
        let bob = recipient("rcpbig");
        let worker = snd.worker();
        let fields = snd.fields(
            &email(&bob),
            &format!("Великий {}", token()),
            "2 МіБ у вкладенні.",
        );
        let id = snd.draft(&snd.owner, &fields).await;
        snd.attach(
            &snd.owner,
            id,
            "великий.bin",
            "application/octet-stream",
            &binary(2 << 20),
        )
        .await;
        snd.send(&snd.owner, id, &fields).await;
        let v = snd
            .wait_view(&snd.owner, id, "settled", DELIVERY, settled)
            .await;
        assert_eq!(
            v.state,
            SendState::Failed,
            "{}: {:#?}",
            t.backend,
            v.failure
        );
        let failure = v.failure.clone().unwrap();
        match &failure.problem {
            SendProblem::TooLarge {
                limit_bytes,
                server_text,
            } => {
                assert!(
                    matches!(limit_bytes, None | Some(1_048_576)),
                    "{}: the server's limit: {limit_bytes:?}",
                    t.backend
                );
                assert!(
                    server_text.contains("5.3.4"),
                    "{}: {server_text:?}",
                    t.backend
                );
            }
            other => panic!("{}: not TooLarge: {other:?}", t.backend),
        }
        assert_eq!(v.fields, fields, "{}: the draft is intact", t.backend);
        assert_eq!(
            v.attachments.len(),
            1,
            "{}: the attachment is kept",
            t.backend
        );
        assert_eq!(v.attachments[0].size, 2 << 20, "{}", t.backend);
        worker.shutdown().await;
        assert!(folder(&s, &bob, "INBOX").await.is_empty(), "{}", t.backend);
    }
}
