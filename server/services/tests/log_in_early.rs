//! A session to a server this process has greeted before sends its log-in with the TLS
//! handshake's last flight, without waiting for the greeting (a round trip of a link less
//! a session), and reads the greeting aside. Against the fake server (`tests/fake_imap`),
//! which can hold its greeting until the client's first line has come, drop that line, or
//! say BYE; and against the real Dovecot.

use crate::common::{log_capture::Captured, mail_stack::stack};
use crate::fake_imap::{self, Behaviour, FakeImap};
use domain::{ConnectProblem, Security, ServerAddress};
use services::mail::{
    login::{CheckOptions, Login, open_session},
    tls::MailTrust,
};
use std::{sync::atomic::Ordering, time::Duration};

fn opts(timeout: Duration) -> CheckOptions {
    CheckOptions {
        timeout,
        ..CheckOptions::new(MailTrust::new(Some(&stack().ca)).unwrap())
    }
}

fn at(fake: &FakeImap) -> ServerAddress {
    ServerAddress {
        host: "localhost".into(),
        port: fake.port,
        security: Security::Tls,
    }
}

/// One session, logged out at once; what it came to.
async fn session(
    server: &ServerAddress,
    login: &Login,
    o: &CheckOptions,
) -> Result<(), ConnectProblem> {
    let (mut session, _) = tokio::time::timeout(o.timeout * 2, open_session(server, login, o))
        .await
        .expect("the log-in ends within its bounds")?;
    session.logout().await.expect("LOGOUT");
    Ok(())
}

#[tokio::test]
async fn a_server_greeted_before_gets_the_log_in_before_its_greeting() {
    let s = stack();
    let o = opts(Duration::from_secs(5));
    // LOGIN, and AUTHENTICATE with SASL-IR (an OAuth2 token, as Microsoft 365 and Gmail).
    for (login, sasl_ir) in [
        (Login::new("m", "x"), false),
        (Login::bearer("m@example.test", "token-1"), true),
    ] {
        let behaviour = Behaviour {
            sasl_ir,
            ..Behaviour::default()
        };
        let late = behaviour.greet_after_first_line.clone();
        let fake = fake_imap::start(&s.ca, behaviour).await;
        let server = at(&fake);
        session(&server, &login, &o).await.expect("first session");
        // From now on the greeting waits for the client's first line: a client that
        // waited for the greeting would wait out its time.
        late.store(true, Ordering::SeqCst);
        session(&server, &login, &o)
            .await
            .expect("second session, greeted late");
        session(&server, &login, &o).await.expect("third session");
        let commands = fake.commands();
        let logins = commands
            .iter()
            .filter(|c| c.starts_with("LOGIN") || c.starts_with("AUTHENTICATE"))
            .count();
        assert_eq!(logins, 3, "{commands:?}");
        // The greeting told the offers: none asked before a log-in.
        let asked_first = commands.windows(2).any(|w| {
            w[0] == "CAPABILITY" && (w[1].starts_with("LOGIN") || w[1].starts_with("AUTHENTICATE"))
        });
        assert!(!asked_first && commands[0] != "CAPABILITY", "{commands:?}");
    }
}

/// A fake server with its knobs, after a first session has been greeted as usual.
async fn greeted_once(o: &CheckOptions) -> (FakeImap, Behaviour) {
    let behaviour = Behaviour::default();
    let fake = fake_imap::start(&stack().ca, behaviour.clone()).await;
    let login = Login::new("m", "x");
    session(&at(&fake), &login, o).await.expect("first session");
    (fake, behaviour)
}

#[tokio::test]
async fn a_server_that_drops_what_came_before_its_greeting_is_waited_for_from_then_on() {
    let o = opts(Duration::from_secs(2));
    let (fake, behaviour) = greeted_once(&o).await;
    let (server, login) = (at(&fake), Login::new("m", "x"));
    // The LOGIN lost before the greeting: not answered within the log-in's time (the
    // caller's bound), and not sent again, so no password goes twice.
    behaviour.drop_early_line.store(true, Ordering::SeqCst);
    let lost = tokio::time::timeout(o.timeout, open_session(&server, &login, &o)).await;
    assert!(lost.is_err(), "{:?}", lost.map(|r| r.is_ok()));
    // From then on its sessions wait for the greeting: as usual, and one held for the
    // client's first line holds them until their time is out.
    session(&server, &login, &o)
        .await
        .expect("greeted, then logged in");
    behaviour
        .greet_after_first_line
        .store(true, Ordering::SeqCst);
    let waited = tokio::time::timeout(o.timeout, open_session(&server, &login, &o)).await;
    assert!(
        waited.is_err(),
        "greeted late, yet logged in: {:?}",
        waited.map(|r| r.is_ok())
    );
    let logins = fake
        .commands()
        .iter()
        .filter(|c| c.starts_with("LOGIN"))
        .count();
    assert_eq!(logins, 2, "the dropped LOGIN is not logged by the server");
}

#[tokio::test]
async fn a_bye_greeting_fails_an_early_log_in_as_it_fails_any() {
    let o = opts(Duration::from_secs(5));
    let (fake, behaviour) = greeted_once(&o).await;
    let (server, login) = (at(&fake), Login::new("m", "x"));
    let bye = behaviour.bye_after_first_line;
    bye.store(true, Ordering::SeqCst);
    match session(&server, &login, &o).await {
        Err(ConnectProblem::Other { detail }) => {
            assert!(detail.contains("greeting Bye: go away"), "{detail}")
        }
        other => panic!("a BYE greeting: {other:?}"),
    }
    bye.store(false, Ordering::SeqCst);
    session(&server, &login, &o)
        .await
        .expect("greeted as usual again");
}

#[tokio::test]
async fn dovecot_takes_a_log_in_sent_before_its_greeting() {
    let s = stack();
    let captured = Captured::install();
    let o = opts(Duration::from_secs(10));
    let login = Login::new("alice@example.test", "alice-pass-1");
    let server = s.imaps_server();
    session(&server, &login, &o).await.expect("first session");
    session(&server, &login, &o)
        .await
        .expect("second session, early");
    let wrong = Login::new("alice@example.test", "wrong-pass");
    match session(&server, &wrong, &o).await {
        Err(ConnectProblem::WrongPassword) => {}
        other => panic!("a wrong password, sent early: {other:?}"),
    }
    let log = captured.text();
    assert!(
        log.contains("logged in before the greeting"),
        "no early log-in logged"
    );
}
