//! Connections cut while sending, against the real Postfix + Dovecot, on SQLite and
//! PostgreSQL: dropped before anything was handed over (retried by itself, delivered
//! once), cut after Postfix accepted the message (never sent twice), cut in the middle of
//! DATA, and a restart during the undo-send delay. Connections are cut by an
//! [`SmtpCutProxy`], whose count of messages Postfix accepted makes "exactly once"
//! exact: after the worker is shut down, the recipient's INBOX is awaited until it holds
//! every accepted message, then compared.
use crate::common;
use crate::send_fixtures;

use common::{
    mail_stack::stack,
    smtp_cut_proxy::{SmtpCut, SmtpCutProxy},
    sync_fixtures::mail_user,
};
use domain::{SendProblem, SendState};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
    address::Envelope,
    transport::smtp::{authentication::Credentials, client::Tls},
};
use send_fixtures::*;
use services::{mail::tls::MailTrust, sending};
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_connection_dropped_before_sending_is_retried_and_delivered_once() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "fltdown", Smtp::Proxy(SmtpCut::CutAtGreeting)).await;
        let bob = recipient("rcpdown");
        let worker = snd.worker();
        let fields = snd.fields(
            &email(&bob),
            &format!("Мережа {}", token()),
            "Мережа впала.",
        );
        let id = snd.draft(&snd.owner, &fields).await;
        snd.send(&snd.owner, id, &fields).await;
        // Cut, so it waits for a retry and says why.
        let v = snd
            .wait_view(&snd.owner, id, "waiting for a retry", DELIVERY, |v| {
                (v.state == SendState::Queued && v.failure.is_some()) || settled(v)
            })
            .await;
        assert_eq!(
            v.state,
            SendState::Queued,
            "{}: {:#?}",
            t.backend,
            v.failure
        );
        let failure = v.failure.clone().unwrap();
        assert!(
            matches!(failure.problem, SendProblem::Network { .. }),
            "{}: {:?}",
            t.backend,
            failure.problem
        );
        assert!(
            failure.retry_at.is_some(),
            "{}: retried by itself",
            t.backend
        );
        assert!(snd.proxy().counts.cuts() >= 1, "{}", t.backend);
        assert_eq!(v.fields, fields, "{}: the draft is intact", t.backend);

        // The network is back: the worker's own retry delivers it, once.
        snd.proxy().set_mode(SmtpCut::Pass);
        let sent = snd.wait_sent(&snd.owner, id).await;
        assert_eq!(
            sent.failure, None,
            "{}: a sent draft shows no failure",
            t.backend
        );
        worker.shutdown().await;
        assert_exactly_once(&s, &snd, &bob, id).await;
    }
}

#[tokio::test]
async fn a_cut_after_the_server_accepted_is_unconfirmed_and_never_sent_twice() {
    accepted_then_unheard(SmtpCut::CutAfterAccepted, "fltacc").await;
}

/// An end of stream instead of the server's reply (lettre's "incomplete response"), or a
/// line that is no reply, says nothing about the message: it may have been taken.
#[tokio::test]
async fn a_clean_close_or_a_garbled_reply_after_the_message_is_never_sent_twice() {
    accepted_then_unheard(SmtpCut::ClosedAfterAccepted, "fltcls").await;
    accepted_then_unheard(SmtpCut::GarbledAfterAccepted, "fltgrb").await;
}

/// Postfix accepts the message and the app never hears so (as `mode` hides the reply):
/// the draft waits for the user as maybe sent, and is not sent again.
async fn accepted_then_unheard(mode: SmtpCut, prefix: &str) {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, prefix, Smtp::Proxy(mode)).await;
        let bob = recipient("rcpacc");
        let worker = snd.worker();
        let fields = snd.fields(&email(&bob), &format!("Може {}", token()), "Чи дійшло?");
        let (id, v) = snd.send_settled(&fields).await;
        assert_eq!(
            v.state,
            SendState::Unconfirmed,
            "{}: {:#?}",
            t.backend,
            v.failure
        );
        assert_eq!(
            v.failure.as_ref().map(|f| &f.problem),
            Some(&SendProblem::MaybeSent),
            "{}",
            t.backend
        );
        assert_eq!(v.fields, fields, "{}: the draft is intact", t.backend);
        assert_eq!(snd.proxy().counts.accepted(), 1, "{}", t.backend);
        let mid = snd.message_id(id).await;
        wait_copy(&s, &bob, "INBOX", &mid).await;

        // Woken again, with the network fine: it must not go out a second time. A second
        // message through the same worker marks the point where it would have.
        snd.proxy().set_mode(SmtpCut::Pass);
        snd.st.send_waker.wake();
        let marker = snd
            .send_new(&email(&bob), &format!("Маркер {}", token()), "Після.")
            .await;
        snd.wait_sent(&snd.owner, marker).await;
        worker.shutdown().await;
        let accepted = snd.proxy().counts.accepted() as usize;
        let got = wait_count(&s, &bob, "INBOX", accepted).await;
        let counts = id_counts(&got);
        assert_eq!(
            counts.get(&Some(mid.clone())),
            Some(&1),
            "{}: exactly one copy: {counts:?}",
            t.backend
        );
        assert_eq!(
            accepted, 2,
            "{}: the cut message and the marker, nothing else",
            t.backend
        );
        assert_eq!(got.len(), 2, "{}", t.backend);
        let after = snd.view(&snd.owner, id).await;
        assert_eq!(
            after.state,
            SendState::Unconfirmed,
            "{}: left for the user",
            t.backend
        );
    }
}

#[tokio::test]
async fn a_cut_in_the_middle_of_data_delivers_nothing_and_sending_again_delivers_once() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "fltdata", Smtp::Proxy(SmtpCut::CutDuringData)).await;
        let bob = recipient("rcpdata");
        let worker = snd.worker();
        let fields = snd.fields(
            &email(&bob),
            &format!("Обрив {}", token()),
            "Обрив посередині.",
        );
        // The message was being handed over: the app cannot know it did not arrive.
        let (id, v) = snd.send_settled(&fields).await;
        assert_eq!(
            v.state,
            SendState::Unconfirmed,
            "{}: {:#?}",
            t.backend,
            v.failure
        );
        assert_eq!(
            v.failure.as_ref().map(|f| &f.problem),
            Some(&SendProblem::MaybeSent),
            "{}",
            t.backend
        );
        assert_eq!(v.fields, fields, "{}: the draft is intact", t.backend);
        assert_eq!(
            snd.proxy().counts.accepted(),
            0,
            "{}: Postfix discarded it",
            t.backend
        );

        // The user sends again: one copy arrives.
        snd.proxy().set_mode(SmtpCut::Pass);
        snd.send(&snd.owner, id, &fields).await;
        snd.wait_sent(&snd.owner, id).await;
        worker.shutdown().await;
        assert_exactly_once(&s, &snd, &bob, id).await;
    }
}

#[tokio::test]
async fn a_restart_during_the_undo_delay_still_sends_once() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "fltrst", Smtp::Proxy(SmtpCut::Pass)).await;
        let bob = recipient("rcprst");
        sending::set_undo_seconds(&snd.st, &snd.owner, 2)
            .await
            .unwrap();
        let first = snd.worker();
        let fields = snd.fields(
            &email(&bob),
            &format!("Перезапуск {}", token()),
            "Переживе перезапуск.",
        );
        let id = snd.draft(&snd.owner, &fields).await;
        let queued_at = Instant::now();
        let v = snd.send(&snd.owner, id, &fields).await;
        assert_eq!(v.state, SendState::Queued, "{}", t.backend);
        first.shutdown().await;
        if queued_at.elapsed() < Duration::from_millis(1500) {
            assert_eq!(
                snd.view(&snd.owner, id).await.state,
                SendState::Queued,
                "{}: not sent before the delay was over",
                t.backend
            );
            assert_eq!(
                snd.proxy().counts.connections(),
                1,
                "{}: only the connect check",
                t.backend
            );
        }
        // Another process (a new owner) takes it over.
        let second = snd.worker();
        snd.wait_sent(&snd.owner, id).await;
        second.shutdown().await;
        assert_exactly_once(&s, &snd, &bob, id).await;
    }
}

/// The proxy alone, with lettre as the client: each mode cuts where it says, and
/// Postfix's queue counts match what arrives.
#[tokio::test]
async fn the_smtp_cut_proxy_cuts_where_asked() {
    let s = stack();
    let user = mail_user("prxsnd");
    let rcpt = mail_user("prxrcp");
    let tls = s.ca.parent().unwrap().to_owned();
    let proxy = SmtpCutProxy::start(&tls, s.smtps, SmtpCut::Pass).await;
    let trust = MailTrust::new(Some(&s.ca)).unwrap();
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("localhost")
        .port(proxy.port())
        .tls(Tls::Wrapper(trust.smtp_parameters("localhost").unwrap()))
        .credentials(Credentials::new(email(&user), format!("{user}-pass-1")))
        .timeout(Some(Duration::from_secs(10)))
        .build();
    let envelope = Envelope::new(
        Some(email(&user).parse().unwrap()),
        vec![email(&rcpt).parse().unwrap()],
    )
    .unwrap();
    let send = |mode: SmtpCut| {
        let (transport, envelope, proxy, user, rcpt) =
            (&transport, &envelope, &proxy, &user, &rcpt);
        async move {
            proxy.set_mode(mode);
            let mid = format!("prx-{}@example.test", token());
            let raw = message(
                &email(user),
                &email(rcpt),
                &format!("{mode:?}"),
                &mid,
                "",
                "Тіло листа.",
            );
            (mid, transport.send_raw(envelope, raw.as_bytes()).await)
        }
    };

    let (pass, r) = send(SmtpCut::Pass).await;
    assert!(r.is_ok(), "Pass: {r:?}");
    assert_eq!((proxy.counts.accepted(), proxy.counts.cuts()), (1, 0));

    let (_, r) = send(SmtpCut::CutAtGreeting).await;
    assert!(r.is_err(), "CutAtGreeting must fail");
    assert_eq!((proxy.counts.accepted(), proxy.counts.cuts()), (1, 1));

    let (accepted, r) = send(SmtpCut::CutAfterAccepted).await;
    assert!(r.is_err(), "CutAfterAccepted must fail on the client");
    assert_eq!((proxy.counts.accepted(), proxy.counts.cuts()), (2, 2));

    let (during, r) = send(SmtpCut::CutDuringData).await;
    assert!(r.is_err(), "CutDuringData must fail");
    assert_eq!((proxy.counts.accepted(), proxy.counts.cuts()), (2, 3));

    let (last, r) = send(SmtpCut::Pass).await;
    assert!(r.is_ok(), "Pass again: {r:?}");
    assert_eq!(proxy.counts.accepted(), 3);
    assert_eq!(proxy.counts.connections(), 5);

    let got = wait_count(&s, &rcpt, "INBOX", 3).await;
    let ids: Vec<_> = got.iter().map(|g| g.message_id().unwrap()).collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    for mid in [&pass, &accepted, &last] {
        assert!(ids.contains(mid), "{mid} delivered: {ids:?}");
    }
    assert!(
        !ids.contains(&during),
        "the message cut during DATA was discarded"
    );
}
