//! The login check against the project's real Dovecot + Postfix (scripts/mail-stack), and
//! against tiny fake servers for what the real ones cannot show (a silent server, a
//! server without STARTTLS). Needs `scripts/mail-stack/mail-stack start`; reads the
//! MAILSTACK_* variables, or else `target/mail-stack/env`.

use domain::{ConnectFailure, ConnectProblem, Security, ServerAddress, ServerRole};
use services::mail::{
    check::{CheckOptions, Login, SpecialUse, check_both, check_imap, check_smtp},
    tls::MailTrust,
};
use std::{collections::HashMap, future::Future, path::PathBuf, time::Duration};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
    time::Instant,
};

struct Stack {
    host: String,
    imaps: u16,
    imap: u16,
    smtps: u16,
    submission: u16,
    ca: PathBuf,
}

fn stack() -> Stack {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/mail-stack/env");
    let from_file: HashMap<String, String> = std::fs::read_to_string(&file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let var = |k: &str| {
        std::env::var(k)
            .ok()
            .or_else(|| from_file.get(k).cloned())
            .unwrap_or_else(|| panic!("{k} missing: run scripts/mail-stack/mail-stack start"))
    };
    let port = |k: &str| var(k).parse::<u16>().unwrap();
    Stack {
        host: var("MAILSTACK_HOST"),
        imaps: port("MAILSTACK_IMAPS_PORT"),
        imap: port("MAILSTACK_IMAP_PORT"),
        smtps: port("MAILSTACK_SMTPS_PORT"),
        submission: port("MAILSTACK_SUBMISSION_PORT"),
        ca: var("MAILSTACK_CA").into(),
    }
}

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

fn alice() -> Login {
    Login::new("alice@example.test", "alice-pass-1")
}

fn wrong() -> Login {
    Login::new("alice@example.test", "not-her-password")
}

/// Runs `check`, fails the test if it takes longer than `limit`, prints the time taken.
async fn timed<T>(what: &str, limit: Duration, check: impl Future<Output = T>) -> T {
    let start = Instant::now();
    let out = tokio::time::timeout(limit, check)
        .await
        .unwrap_or_else(|_| panic!("{what}: still running after {limit:?}"));
    eprintln!("timing {what}: {} ms", start.elapsed().as_millis());
    out
}

const LIMIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn implicit_tls_on_both_servers_lists_the_folders() {
    let s = stack();
    let (imap, smtp) = (
        at(&s.host, s.imaps, Security::Tls),
        at(&s.host, s.smtps, Security::Tls),
    );
    let folders = timed(
        "ok tls",
        LIMIT,
        check_both(&imap, &alice(), &smtp, &alice(), &opts(true, 5)),
    )
    .await
    .unwrap();
    let names: Vec<&str> = folders.iter().map(|f| f.display_name.as_str()).collect();
    assert_eq!(names[0], "INBOX", "{names:?}");
    for expected in [
        "Sent",
        "Drafts",
        "Trash",
        "Archive",
        "Projects",
        "Projects/2026",
        "Клієнти",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    let find = |n: &str| folders.iter().find(|f| f.display_name == n).unwrap();
    assert_eq!(find("INBOX").special_use, Some(SpecialUse::Inbox));
    assert_eq!(find("Sent").special_use, Some(SpecialUse::Sent));
    assert_eq!(find("Drafts").special_use, Some(SpecialUse::Drafts));
    assert_eq!(find("Trash").special_use, Some(SpecialUse::Trash));
    assert_eq!(find("Archive").special_use, Some(SpecialUse::Archive));
    let nested = find("Projects/2026");
    assert_eq!((nested.depth, nested.delimiter.as_deref()), (1, Some("/")));
    assert_eq!(find("Projects").depth, 0);
    assert_eq!(find("Клієнти").name, "&BBoEOwRWBFQEPQRCBDg-");
    let parent = names.iter().position(|n| *n == "Projects").unwrap();
    assert_eq!(
        names[parent + 1],
        "Projects/2026",
        "children follow their parent"
    );
}

#[tokio::test]
async fn starttls_on_both_servers_lists_the_folders() {
    let s = stack();
    let imap = at(&s.host, s.imap, Security::StartTls);
    let smtp = at(&s.host, s.submission, Security::StartTls);
    let folders = timed(
        "ok starttls",
        LIMIT,
        check_both(&imap, &alice(), &smtp, &alice(), &opts(true, 5)),
    )
    .await
    .unwrap();
    let nested = folders
        .iter()
        .find(|f| f.display_name == "Projects/2026")
        .unwrap();
    assert_eq!(nested.depth, 1);
    assert!(folders.iter().any(|f| f.display_name == "Клієнти"));
    assert!(
        folders
            .iter()
            .any(|f| f.special_use == Some(SpecialUse::Sent))
    );
}

#[tokio::test]
async fn wrong_passwords() {
    let s = stack();
    let o = opts(true, 5);
    for security in [Security::Tls, Security::StartTls] {
        let port = if security == Security::Tls {
            s.imaps
        } else {
            s.imap
        };
        let got = timed(
            "imap wrong password",
            LIMIT,
            check_imap(&at(&s.host, port, security), &wrong(), &o),
        )
        .await;
        assert_eq!(got.unwrap_err(), ConnectProblem::WrongPassword);
    }
    let imap = at(&s.host, s.imaps, Security::Tls);
    let smtp = at(&s.host, s.submission, Security::StartTls);
    let got = timed(
        "smtp wrong password",
        LIMIT,
        check_both(&imap, &alice(), &smtp, &wrong(), &o),
    )
    .await;
    let expected = ConnectFailure {
        server: ServerRole::Smtp,
        problem: ConnectProblem::WrongPassword,
    };
    assert_eq!(got.unwrap_err(), expected);
}

/// Both checks, for one address, must give `expected`.
async fn both_fail(what: &str, server: ServerAddress, o: &CheckOptions, expected: ConnectProblem) {
    let imap = timed(
        &format!("imap {what}"),
        LIMIT,
        check_imap(&server, &alice(), o),
    )
    .await;
    assert_eq!(imap.unwrap_err(), expected, "imap {what}");
    let smtp = timed(
        &format!("smtp {what}"),
        LIMIT,
        check_smtp(&server, &alice(), o),
    )
    .await;
    assert_eq!(smtp.unwrap_err(), expected, "smtp {what}");
}

#[tokio::test]
async fn unknown_host_and_closed_port() {
    let o = opts(true, 5);
    let nowhere = at("nonexistent.invalid", 993, Security::Tls);
    both_fail("host not found", nowhere, &o, ConnectProblem::HostNotFound).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let closed = at("127.0.0.1", port, Security::Tls);
    both_fail(
        "connection refused",
        closed,
        &o,
        ConnectProblem::ConnectionRefused,
    )
    .await;
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
    let limit = Duration::from_secs(3);
    for security in [Security::Tls, Security::StartTls] {
        let addr = at("localhost", port, security);
        let imap = timed(
            &format!("imap silent {security:?}"),
            limit,
            check_imap(&addr, &alice(), &o),
        )
        .await;
        assert_eq!(imap.unwrap_err(), ConnectProblem::Timeout);
        let smtp = timed(
            &format!("smtp silent {security:?}"),
            limit,
            check_smtp(&addr, &alice(), &o),
        )
        .await;
        assert_eq!(smtp.unwrap_err(), ConnectProblem::Timeout);
    }
    server.abort();
}

#[tokio::test]
async fn untrusted_certificate() {
    let s = stack();
    let o = opts(false, 5);
    for (imap, smtp) in [
        (
            at(&s.host, s.imaps, Security::Tls),
            at(&s.host, s.smtps, Security::Tls),
        ),
        (
            at(&s.host, s.imap, Security::StartTls),
            at(&s.host, s.submission, Security::StartTls),
        ),
    ] {
        for got in [
            timed("imap untrusted", LIMIT, check_imap(&imap, &alice(), &o))
                .await
                .map(|_| ()),
            timed("smtp untrusted", LIMIT, check_smtp(&smtp, &alice(), &o)).await,
        ] {
            let err = got.unwrap_err();
            assert!(
                matches!(&err, ConnectProblem::CertificateNotTrusted { detail } if detail.contains("unknown")),
                "{err:?}"
            );
        }
    }
}

#[tokio::test]
async fn security_and_port_mixed_up() {
    let s = stack();
    let o = opts(true, 5);
    for (what, server, expected) in [
        (
            "tls on imap starttls port",
            at(&s.host, s.imap, Security::Tls),
            ConnectProblem::TlsOnStartTlsPort,
        ),
        (
            "starttls on imaps port",
            at(&s.host, s.imaps, Security::StartTls),
            ConnectProblem::StartTlsOnTlsPort,
        ),
    ] {
        let got = timed(what, LIMIT, check_imap(&server, &alice(), &o)).await;
        assert_eq!(got.unwrap_err(), expected, "{what}");
    }
    for (what, server, expected) in [
        (
            "tls on submission port",
            at(&s.host, s.submission, Security::Tls),
            ConnectProblem::TlsOnStartTlsPort,
        ),
        (
            "starttls on smtps port",
            at(&s.host, s.smtps, Security::StartTls),
            ConnectProblem::StartTlsOnTlsPort,
        ),
    ] {
        let got = timed(what, LIMIT, check_smtp(&server, &alice(), &o)).await;
        assert_eq!(got.unwrap_err(), expected, "{what}");
    }
}

/// A one-connection fake server: sends `greeting`, answers each line with `reply(line)`,
/// and returns every line it received, so the test can see that no password was sent.
async fn fake_server(
    greeting: &'static str,
    reply: fn(&str) -> String,
) -> (u16, tokio::task::JoinHandle<Vec<String>>) {
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

#[tokio::test]
async fn no_starttls_means_no_password() {
    let o = opts(true, 5);
    let (port, seen) = fake_server("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake\r\n", |line| {
        let tag = line.split(' ').next().unwrap_or("*");
        format!("{tag} BAD not here\r\n")
    })
    .await;
    let got = timed(
        "imap no starttls",
        LIMIT,
        check_imap(&at("localhost", port, Security::StartTls), &alice(), &o),
    )
    .await;
    assert_eq!(got.unwrap_err(), ConnectProblem::StartTlsUnsupported);
    let lines = seen.await.unwrap();
    assert!(
        lines
            .iter()
            .all(|l| !l.contains("alice-pass-1") && !l.to_uppercase().contains("LOGIN")),
        "{lines:?}"
    );

    let (port, seen) = fake_server("220 fake ESMTP\r\n", |line| match line.split(' ').next() {
        Some("EHLO") => "250-fake\r\n250 AUTH PLAIN LOGIN\r\n".into(),
        _ => "221 bye\r\n".into(),
    })
    .await;
    let got = timed(
        "smtp no starttls",
        LIMIT,
        check_smtp(&at("localhost", port, Security::StartTls), &alice(), &o),
    )
    .await;
    assert_eq!(got.unwrap_err(), ConnectProblem::StartTlsUnsupported);
    let lines = seen.await.unwrap();
    assert!(
        lines.iter().all(|l| !l.to_uppercase().starts_with("AUTH")),
        "{lines:?}"
    );
}

#[test]
fn login_debug_hides_the_password() {
    let shown = format!("{:?}", alice());
    assert!(
        shown.contains("alice@example.test") && !shown.contains("alice-pass-1"),
        "{shown}"
    );
}
