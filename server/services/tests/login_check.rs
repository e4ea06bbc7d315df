//! The login check against the project's real Dovecot + Postfix (scripts/mail-stack), and
//! against tiny fake servers for what the real ones cannot show (a silent server, a
//! server without STARTTLS). Needs `scripts/mail-stack/mail-stack start`; reads the
//! MAILSTACK_* variables, or else `target/mail-stack/env`.

use crate::common;

use common::mail_stack::stack;
use domain::{ConnectFailure, ConnectProblem, Security, ServerAddress, ServerRole};
use services::mail::{
    login::{CheckOptions, Login, SpecialUse, check_both, check_imap, check_smtp},
    tls::MailTrust,
};
use std::{future::Future, sync::LazyLock, time::Duration};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
    task::JoinHandle,
    time::Instant,
};

fn at(host: &str, port: u16, security: Security) -> ServerAddress {
    ServerAddress {
        host: host.into(),
        port,
        security,
    }
}

fn opts(trusted: bool, timeout_secs: u64) -> CheckOptions {
    let ca = stack().ca;
    let trust = MailTrust::new(trusted.then_some(ca.as_path())).unwrap();
    CheckOptions {
        timeout: Duration::from_secs(timeout_secs),
        ..CheckOptions::new(trust)
    }
}

static ALICE: LazyLock<Login> = LazyLock::new(|| Login::new("alice@example.test", "alice-pass-1"));
static WRONG: LazyLock<Login> = LazyLock::new(|| Login::new("alice@example.test", "wrong-pass"));

const LIMIT: Duration = Duration::from_secs(10);

/// Runs `check`, fails the test if it takes longer than `limit`, prints the time taken.
async fn timed<T>(what: &str, limit: Duration, check: impl Future<Output = T>) -> T {
    let start = Instant::now();
    let out = tokio::time::timeout(limit, check)
        .await
        .unwrap_or_else(|_| panic!("{what}: still running after {limit:?}"));
    eprintln!("timing {what}: {} ms", start.elapsed().as_millis());
    out
}

#[derive(Clone, Copy, Debug)]
enum Proto {
    Imap,
    Smtp,
}
use ConnectProblem as P;
use Proto::{Imap, Smtp};
use Security::{StartTls, Tls};

/// One check that must fail with `expected`, within its own timeout plus a second.
async fn fails(proto: Proto, server: ServerAddress, expected: P, o: &CheckOptions) {
    let what = format!("{proto:?} {server:?} -> {expected:?}");
    let limit = o.timeout + Duration::from_secs(1);
    let got = match proto {
        Imap => timed(&what, limit, check_imap(&server, &ALICE, o))
            .await
            .map(|_| ()),
        Smtp => timed(&what, limit, check_smtp(&server, &ALICE, o)).await,
    };
    assert_eq!(got.unwrap_err(), expected, "{what}");
}

#[tokio::test]
async fn implicit_tls_on_both_servers_lists_the_folders() {
    let s = stack();
    let (imap, smtp) = (at(&s.host, s.imaps, Tls), at(&s.host, s.smtps, Tls));
    let o = opts(true, 5);
    let check = check_both(&imap, &ALICE, &smtp, &ALICE, &o);
    let folders = timed("ok tls", LIMIT, check).await.unwrap();
    let names: Vec<&str> = folders.iter().map(|f| f.display_name.as_str()).collect();
    assert_eq!(names[0], "INBOX", "{names:?}");
    // Children follow their parent; Клієнти is decoded from modified UTF-7.
    let at_projects = names.iter().position(|n| *n == "Projects").unwrap();
    assert_eq!(names[at_projects + 1], "Projects/2026", "{names:?}");
    let find = |n: &str| folders.iter().find(|f| f.display_name == n).unwrap();
    for (name, special) in [
        ("INBOX", SpecialUse::Inbox),
        ("Sent", SpecialUse::Sent),
        ("Drafts", SpecialUse::Drafts),
        ("Trash", SpecialUse::Trash),
        ("Archive", SpecialUse::Archive),
    ] {
        assert_eq!(find(name).special_use, Some(special), "{name}");
    }
    let nested = find("Projects/2026");
    assert_eq!((nested.depth, nested.delimiter.as_deref()), (1, Some("/")));
    assert_eq!(find("Projects").depth, 0);
    assert_eq!(find("Клієнти").name, "&BBoEOwRWBFQEPQRCBDg-");
}

#[tokio::test]
async fn starttls_on_both_servers_lists_the_folders() {
    let s = stack();
    let imap = at(&s.host, s.imap, StartTls);
    let smtp = at(&s.host, s.submission, StartTls);
    let o = opts(true, 5);
    let check = check_both(&imap, &ALICE, &smtp, &ALICE, &o);
    let folders = timed("ok starttls", LIMIT, check).await.unwrap();
    let find = |n: &str| folders.iter().find(|f| f.display_name == n).unwrap();
    assert_eq!(find("Projects/2026").depth, 1);
    assert_eq!(find("Клієнти").depth, 0);
    assert_eq!(find("Sent").special_use, Some(SpecialUse::Sent));
}

#[tokio::test]
async fn wrong_passwords() {
    let s = stack();
    let o = opts(true, 5);
    for (port, security) in [(s.imaps, Tls), (s.imap, StartTls)] {
        let server = at(&s.host, port, security);
        let got = timed(
            "imap wrong password",
            LIMIT,
            check_imap(&server, &WRONG, &o),
        )
        .await;
        assert_eq!(got.unwrap_err(), P::WrongPassword);
    }
    let imap = at(&s.host, s.imaps, Tls);
    let smtp = at(&s.host, s.submission, StartTls);
    let check = check_both(&imap, &ALICE, &smtp, &WRONG, &o);
    let got = timed("smtp wrong password", LIMIT, check).await;
    let expected = ConnectFailure {
        server: ServerRole::Smtp,
        problem: P::WrongPassword,
    };
    assert_eq!(got.unwrap_err(), expected);
}

#[tokio::test]
async fn unknown_host_and_closed_port() {
    let o = opts(true, 5);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    for proto in [Imap, Smtp] {
        let nowhere = at("nonexistent.invalid", 993, Tls);
        fails(proto, nowhere, P::HostNotFound, &o).await;
        let refused = at("127.0.0.1", closed.port(), StartTls);
        fails(proto, refused, P::ConnectionRefused, &o).await;
    }
}

#[tokio::test]
async fn silent_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts and never writes; keeps the sockets open until the test ends.
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let o = opts(true, 2);
    for (proto, security) in [(Imap, Tls), (Imap, StartTls), (Smtp, Tls), (Smtp, StartTls)] {
        let silent = at("localhost", port, security);
        fails(proto, silent, P::Timeout, &o).await;
    }
    server.abort();
}

#[tokio::test]
async fn untrusted_certificate() {
    let s = stack();
    let o = opts(false, 5);
    for (proto, port, security) in [
        (Imap, s.imaps, Tls),
        (Imap, s.imap, StartTls),
        (Smtp, s.smtps, Tls),
        (Smtp, s.submission, StartTls),
    ] {
        let detail = "issued by an unknown certificate authority".to_owned();
        let expected = P::CertificateNotTrusted { detail };
        fails(proto, at(&s.host, port, security), expected, &o).await;
    }
}

#[tokio::test]
async fn security_and_port_mixed_up() {
    let s = stack();
    let o = opts(true, 5);
    for (proto, port, security, expected) in [
        (Imap, s.imap, Tls, P::TlsOnStartTlsPort),
        (Imap, s.imaps, StartTls, P::StartTlsOnTlsPort),
        (Smtp, s.submission, Tls, P::TlsOnStartTlsPort),
        (Smtp, s.smtps, StartTls, P::StartTlsOnTlsPort),
    ] {
        fails(proto, at(&s.host, port, security), expected, &o).await;
    }
}

/// A one-connection fake server: sends `greeting`, answers each line with `reply(line)`,
/// and returns every line it received, so the test can see that no password was sent.
async fn fake_server(
    greeting: &'static str,
    reply: fn(&str) -> String,
) -> (u16, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        write.write_all(greeting.as_bytes()).await.unwrap();
        let mut lines = BufReader::new(read).lines();
        let mut seen = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            let answer = reply(&line);
            seen.push(line);
            if write.write_all(answer.as_bytes()).await.is_err() {
                break;
            }
        }
        seen
    });
    (port, task)
}

/// Dovecot accepts LOGIN before STARTTLS from 127.0.0.1, so only fakes can show that we
/// never send the password when STARTTLS is missing or refused.
#[tokio::test]
async fn no_starttls_means_no_password() {
    let o = opts(true, 5);
    let imap = fake_server("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake\r\n", |line| {
        format!("{} BAD not here\r\n", line.split(' ').next().unwrap_or("*"))
    });
    let smtp = fake_server("220 fake ESMTP\r\n", |line| match line.split(' ').next() {
        Some("EHLO") => "250-fake\r\n250 AUTH PLAIN LOGIN\r\n".into(),
        _ => "221 bye\r\n".into(),
    });
    for (proto, (port, seen)) in [(Imap, imap.await), (Smtp, smtp.await)] {
        let server = at("localhost", port, StartTls);
        fails(proto, server, P::StartTlsUnsupported, &o).await;
        let lines = seen.await.unwrap();
        // No LOGIN / AUTHENTICATE (IMAP), no AUTH (SMTP), no password in any form.
        let upper: Vec<String> = lines.iter().map(|l| l.to_uppercase()).collect();
        let sent = |w: &str| upper.iter().any(|l| l.contains(w));
        assert!(
            !sent("ALICE-PASS-1") && !sent("LOGIN") && !sent("AUTH"),
            "{lines:?}"
        );
    }
}

#[test]
fn login_debug_hides_the_password() {
    let shown = format!("{:?}", *ALICE);
    assert!(shown.contains("alice@example.test"), "{shown}");
    assert!(!shown.contains("alice-pass-1"), "{shown}");
}

/// A password that is not ASCII cannot go in a LOGIN (RFC 3501 §9): AUTHENTICATE PLAIN,
/// its message sent with the command (Dovecot offers SASL-IR before login).
#[tokio::test]
async fn a_password_that_is_not_ascii_signs_in_with_authenticate_plain() {
    let s = stack();
    let user = format!(
        "plain{}@example.test",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let password = "пароль-ї-1";
    common::sync_fixtures::mail_stack(&["add-user", &user, password]);
    let o = opts(true, 5);
    let imap = at(&s.host, s.imaps, Tls);
    let right = Login::new(&user, password);
    let folders = timed("not ascii", LIMIT, check_imap(&imap, &right, &o)).await;
    assert_eq!(folders.unwrap()[0].display_name, "INBOX");
    let wrong = Login::new(&user, "пароль-ї-2");
    let refused = timed("not ascii, wrong", LIMIT, check_imap(&imap, &wrong, &o)).await;
    assert_eq!(refused.unwrap_err(), P::WrongPassword);
}
