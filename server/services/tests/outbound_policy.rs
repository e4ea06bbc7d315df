//! One address policy for every outgoing mail connection (`mail::address_policy`): with
//! `MAIL_ALLOW_PRIVATE` off, the login check (IMAP and SMTP), the connect wizard, the
//! sync and IDLE's log-in never reach loopback or private addresses, and a closed port,
//! an open port and a real mail server there all get the same generic answer — the check
//! is no port scanner. With the switch on (tests, demo, on-premise) the same servers work.
//! Needs the mail stack (`scripts/mail-stack/mail-stack start`).

use crate::common;

use common::{
    mail_stack::stack,
    mailbox_fixtures::{admin, request, state},
    sync_fixtures::{connected, engine, mail_user},
};
use domain::{ConnectFailure, ConnectProblem, Security, ServerAddress, ServerRole};
use sea_orm::EntityTrait;
use services::{
    ServiceError,
    entities::mailbox,
    mail::{
        address_policy::AddressPolicy,
        login::{CheckOptions, Login, check_imap, check_smtp},
        tls::MailTrust,
    },
    mailboxes,
    sync::{SyncError, schedule::Outcome},
};
use std::time::Duration;
use tokio::net::TcpListener;

fn at(host: &str, port: u16, security: Security) -> ServerAddress {
    ServerAddress {
        host: host.into(),
        port,
        security,
    }
}

fn opts(policy: AddressPolicy) -> CheckOptions {
    let trust = MailTrust::new(Some(&stack().ca))
        .unwrap()
        .with_policy(policy);
    CheckOptions {
        timeout: Duration::from_secs(5),
        ..CheckOptions::new(trust)
    }
}

fn alice() -> Login {
    Login::new("alice@example.test", "alice-pass-1")
}

/// Whether anything connected to the listener (looked at once, after the check ended).
async fn was_contacted(listener: &TcpListener) -> bool {
    tokio::time::timeout(Duration::ZERO, listener.accept())
        .await
        .is_ok()
}

#[tokio::test]
async fn closed_open_and_real_local_ports_all_get_the_generic_answer() {
    let s = stack();
    let public_only = opts(AddressPolicy::PUBLIC_ONLY);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let open = listener.local_addr().unwrap().port();
    let targets = [
        ("closed port", at("127.0.0.1", 1, Security::Tls)),
        ("open port", at("127.0.0.1", open, Security::Tls)),
        (
            "open port, STARTTLS",
            at("127.0.0.1", open, Security::StartTls),
        ),
        ("real Dovecot by name", s.imaps_server()),
        (
            "real Dovecot, STARTTLS",
            at(&s.host, s.imap, Security::StartTls),
        ),
        ("IPv6 loopback", at("::1", s.imaps, Security::Tls)),
        (
            "IPv4-mapped loopback",
            at("::ffff:127.0.0.1", s.imaps, Security::Tls),
        ),
        ("cloud metadata", at("169.254.169.254", 80, Security::Tls)),
        ("private network", at("10.0.0.1", 993, Security::Tls)),
        ("unspecified", at("0.0.0.0", s.imaps, Security::Tls)),
    ];
    for (what, server) in targets {
        let started = std::time::Instant::now();
        let problem = check_imap(&server, &alice(), &public_only)
            .await
            .unwrap_err();
        assert_eq!(problem, ConnectProblem::AddressNotAllowed, "IMAP {what}");
        // Decided before any packet: no timing difference to learn from either.
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{what}: {:?}",
            started.elapsed()
        );
    }
    for (what, server) in [
        ("real Postfix", s.smtps_server()),
        (
            "real Postfix, STARTTLS",
            at(&s.host, s.submission, Security::StartTls),
        ),
        ("closed port", at("127.0.0.1", 1, Security::StartTls)),
        ("open port", at("127.0.0.1", open, Security::Tls)),
    ] {
        let problem = check_smtp(&server, &alice(), &public_only)
            .await
            .unwrap_err();
        assert_eq!(problem, ConnectProblem::AddressNotAllowed, "SMTP {what}");
    }
    assert!(
        !was_contacted(&listener).await,
        "nothing may connect to a refused address"
    );
}

#[tokio::test]
async fn with_the_switch_on_the_same_servers_work() {
    let s = stack();
    let allowed = opts(AddressPolicy::ALLOW_PRIVATE);
    let folders = check_imap(&s.imaps_server(), &alice(), &allowed)
        .await
        .unwrap();
    assert!(folders.iter().any(|f| f.name == "INBOX"));
    check_smtp(&s.smtps_server(), &alice(), &allowed)
        .await
        .unwrap();
    // A closed port is told apart again (an operator debugging an on-premise server).
    let closed = check_imap(&at("127.0.0.1", 1, Security::Tls), &alice(), &allowed).await;
    assert_eq!(closed.unwrap_err(), ConnectProblem::ConnectionRefused);
}

#[tokio::test]
async fn the_connect_wizard_answers_the_generic_message() {
    let s = stack();
    let t = common::sqlite().await;
    let mut st = state(t.db.clone(), &s);
    st.mail_trust = st
        .mail_trust
        .clone()
        .with_policy(AddressPolicy::PUBLIC_ONLY);
    let owner = admin(&t.db, "ssrf-owner@acme.com").await;
    let mut probe = request(&s, "alice");
    probe.imap = Some(at("127.0.0.1", 1, Security::Tls));
    for req in [request(&s, "alice"), probe] {
        let err = mailboxes::check_and_draft(&st, &owner, req)
            .await
            .unwrap_err();
        let ServiceError::Connect(failure) = err else {
            panic!("expected a connect failure, got {err:?}");
        };
        assert_eq!(
            failure,
            ConnectFailure {
                server: ServerRole::Imap,
                problem: ConnectProblem::AddressNotAllowed,
            }
        );
    }
}

#[tokio::test]
async fn sync_and_idle_log_in_under_the_same_policy() {
    let s = stack();
    let t = common::sqlite().await;
    let st = state(t.db.clone(), &s);
    let user = mail_user("ssrf");
    // Connected while private addresses were allowed (an on-premise server)...
    let id = connected(&st, &s, &user, &["INBOX"]).await;
    // ...then the switch is off: the sync refuses to connect.
    let mut strict = engine(&st);
    strict.trust = strict.trust.clone().with_policy(AddressPolicy::PUBLIC_ONLY);
    let outcome = strict.sync_mailbox(id).await;
    let Outcome::Failed { error } = outcome else {
        panic!("expected a failed run, got {outcome:?}");
    };
    assert!(error.contains("local or private network"), "{error}");
    // IDLE logs in through the same engine method.
    let row = mailbox::Entity::find_by_id(id)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    let err = strict.log_in(&row).await.err().unwrap();
    assert!(
        matches!(err, SyncError::Connect(ConnectProblem::AddressNotAllowed)),
        "{err:?}"
    );
    // The switch on: the same mailbox syncs.
    assert_eq!(engine(&st).sync_mailbox(id).await, Outcome::Synced);
}
