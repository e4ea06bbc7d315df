//! Mail server discovery against real servers on 127.0.0.1: dnsmasq answers SRV and A
//! queries, a small HTTP server in the test serves autoconfig files, TCP listeners stand in
//! for guessed IMAP/SMTP servers. Every port is random; every server stops with its test.
//! dnsmasq comes from scripts/setup (Debian package).

use domain::{Security, ServerAddress};
use services::mail::discovery::{Discovered, DiscoveryConfig, DiscoverySource, discover};
use std::{
    net::{SocketAddr, TcpListener, UdpSocket},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const GOOD: &str = include_str!("../../../scripts/discovery-fixtures/good.xml");
const PLAIN_ONLY: &str = include_str!("../../../scripts/discovery-fixtures/plain-only.xml");
const MALFORMED: &str = include_str!("../../../scripts/discovery-fixtures/malformed.xml");

/// A dnsmasq serving `RECORDS`; killed when dropped.
struct Dnsmasq(Child);

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Every record the tests use: SRV for srv/dot/none.test, A records for the guesses.
const RECORDS: &[&str] = &[
    "--srv-host=_imaps._tcp.srv.test,imap.srv.test,993,0,1",
    "--srv-host=_imaps._tcp.srv.test,backup.srv.test,1993,10,1",
    "--srv-host=_imap._tcp.srv.test,imap.srv.test,143,20,1",
    // Priority orders across both services (RFC 6186 §3.4): 587 beats 465 here.
    "--srv-host=_submissions._tcp.srv.test,smtp.srv.test,465,5,1",
    "--srv-host=_submission._tcp.srv.test,smtp.srv.test,587,0,1",
    // No target: dnsmasq answers with ".", "decidedly not available" (RFC 2782).
    "--srv-host=_imaps._tcp.dot.test",
    "--srv-host=_imap._tcp.dot.test,imap.dot.test,143,0,1",
    "--srv-host=_submissions._tcp.dot.test",
    "--srv-host=_submission._tcp.dot.test,smtp.dot.test,587,0,1",
    "--srv-host=_imaps._tcp.none.test",
    "--srv-host=_submissions._tcp.none.test",
    "--host-record=imap.guess.test,127.0.0.1",
    "--host-record=smtp.guess.test,127.0.0.1",
    "--host-record=mail.mailonly.test,127.0.0.1",
];

const LOCAL: &str = "127.0.0.1:0";

/// How every dnsmasq here runs: in the foreground without pid file or user change
/// (--no-daemon), with nothing but our records, and NXDOMAIN at once for any other name
/// under .test (--local) instead of a query to nowhere.
const DNSMASQ: &str = "--no-daemon --no-resolv --no-hosts --conf-file=/dev/null \
    --listen-address=127.0.0.1 --bind-interfaces --local=/test/";

fn dnsmasq() -> (Dnsmasq, SocketAddr) {
    for _ in 0..5 {
        // A port free for UDP and TCP right now (dnsmasq listens on both).
        let port = UdpSocket::bind(LOCAL).unwrap().local_addr().unwrap().port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut command = Command::new("dnsmasq");
        command
            .args(DNSMASQ.split_whitespace())
            .arg(format!("--port={port}"))
            .args(RECORDS);
        let child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn();
        let mut server = Dnsmasq(child.expect("dnsmasq missing: run scripts/setup"));
        let deadline = Instant::now() + Duration::from_secs(5);
        // Stops early when dnsmasq exits (another process took the port): next port.
        while Instant::now() < deadline && matches!(server.0.try_wait(), Ok(None)) {
            if std::net::TcpStream::connect(addr).is_ok() {
                return (server, addr);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    panic!("dnsmasq did not start");
}

/// The canned answer for a request target, whose first path segment is the mail domain;
/// None = send a little and then hang.
fn reply(target: &str) -> Option<String> {
    let ok = |body: &str, announce: bool| {
        let length = format!("Content-Length: {}\r\n", body.len());
        let length = if announce { length } else { String::new() };
        format!("HTTP/1.1 200 OK\r\n{length}Connection: close\r\n\r\n{body}")
    };
    // Valid XML padded past the 256 KB cap.
    let pad = format!("<!--{}--><clientConfig", "x".repeat(400 << 10));
    let huge = GOOD.replacen("<clientConfig", &pad, 1);
    let moved = target.replacen("moved.test", "auto.test", 1);
    Some(match target.split('/').nth(1).unwrap_or("") {
        "auto.test" | "srv.test" => ok(GOOD, true),
        "plainonly.test" => ok(PLAIN_ONLY, true),
        "malformed.test" => ok(MALFORMED, true),
        "huge.test" => ok(&huge, true),
        "hugestream.test" => ok(&huge, false),
        "moved.test" => format!("HTTP/1.1 302 Found\r\nLocation: {moved}\r\n\r\n"),
        "slow.test" => return None,
        _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string(),
    })
}

async fn answer(mut stream: tokio::net::TcpStream, log: Arc<Mutex<Vec<String>>>) {
    let (mut head, mut buf) = (Vec::new(), [0u8; 1024]);
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 8192 {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let target = head.split(' ').nth(1).unwrap_or("/").to_string();
    log.lock().unwrap().push(target.clone());
    let Some(reply) = reply(&target) else {
        let partial = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n<c";
        let _ = stream.write_all(partial).await;
        return tokio::time::sleep(Duration::from_secs(60)).await;
    };
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// dnsmasq plus an autoconfig HTTP server that records each request target; both stop
/// when the test ends (the guard is dropped, the runtime drops the server task).
struct Stack {
    _dns: Dnsmasq,
    config: DiscoveryConfig,
    seen: Arc<Mutex<Vec<String>>>,
}

async fn stack() -> Stack {
    let (_dns, dns_addr) = dnsmasq();
    let listener = tokio::net::TcpListener::bind(LOCAL).await.unwrap();
    let http = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(answer(stream, log.clone()));
        }
    });
    let closed = vec![(closed_port(), Security::Tls)];
    let config = DiscoveryConfig {
        dns_server: Some(dns_addr),
        autoconfig_urls: vec![
            format!("http://127.0.0.1:{http}/none/config-v1.1.xml"),
            format!("http://127.0.0.1:{http}/{{domain}}/config-v1.1.xml?emailaddress={{email}}"),
        ],
        timeout: Duration::from_secs(1),
        probe_imap_ports: closed.clone(),
        probe_smtp_ports: closed,
        allow_private_addresses: true,
    };
    Stack { _dns, config, seen }
}

fn port(listener: &TcpListener) -> u16 {
    listener.local_addr().unwrap().port()
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    port(&TcpListener::bind(LOCAL).unwrap())
}

/// `host:port/security`, short enough for one assertion a line.
fn show(server: &ServerAddress) -> String {
    let ServerAddress { host, port, .. } = server;
    format!("{host}:{port}/{}", server.security.as_str())
}

async fn find(email: &str, config: &DiscoveryConfig) -> Discovered {
    timed(email, config).await.0.expect(email)
}

/// Runs one discovery, bounded so a hang fails the test instead of stalling the run.
async fn timed(email: &str, config: &DiscoveryConfig) -> (Option<Discovered>, Duration) {
    let start = Instant::now();
    let found = tokio::time::timeout(Duration::from_secs(20), discover(email, config)).await;
    let found = found.expect("discovery must end within its timeouts");
    let (took, source) = (start.elapsed(), found.as_ref().map(|d| d.source));
    eprintln!("{email}: {source:?} in {took:?}");
    (found, took)
}

#[tokio::test]
async fn srv_records_win_with_rfc6186_preference() {
    let s = stack().await;
    // The HTTP server also has a file for srv.test: SRV must still come first.
    let found = find("ann@srv.test", &s.config).await;
    assert_eq!(found.source, DiscoverySource::Srv);
    assert_eq!(show(&found.imap), "imap.srv.test:993/tls");
    assert_eq!(show(&found.smtp), "smtp.srv.test:587/starttls");
}

#[tokio::test]
async fn srv_target_dot_means_not_offered() {
    let s = stack().await;
    let found = find("ann@dot.test", &s.config).await;
    assert_eq!(found.source, DiscoverySource::Srv);
    assert_eq!(show(&found.imap), "imap.dot.test:143/starttls");
    assert_eq!(show(&found.smtp), "smtp.dot.test:587/starttls");
    assert_eq!(timed("ann@none.test", &s.config).await.0, None);
}

#[tokio::test]
async fn autoconfig_file_when_there_is_no_srv() {
    let s = stack().await;
    let found = find("Ann+x@Auto.test", &s.config).await;
    assert_eq!(found.source, DiscoverySource::Autoconfig);
    assert_eq!(show(&found.imap), "imap.auto.test:993/tls");
    assert_eq!(show(&found.smtp), "smtp.auto.test:587/starttls");
    // The first template answered 404 and was passed over; the address is URL-encoded.
    let seen = s.seen.lock().unwrap().clone();
    assert_eq!(seen[0], "/none/config-v1.1.xml");
    let query = "emailaddress=Ann%2Bx%40auto.test";
    assert_eq!(seen[1], format!("/auto.test/config-v1.1.xml?{query}"));
    // A redirect is followed; the placeholders still take the user's domain.
    let moved = find("ann@moved.test", &s.config).await;
    assert_eq!(show(&moved.imap), "imap.moved.test:993/tls");
}

#[tokio::test]
async fn hostile_autoconfig_files_are_skipped() {
    let s = stack().await;
    let hostile = ["malformed", "huge", "hugestream", "plainonly", "slow"];
    for domain in hostile.map(|name| format!("{name}.test")) {
        let (found, took) = timed(&format!("ann@{domain}"), &s.config).await;
        assert_eq!(found, None, "{domain}");
        assert!(took < Duration::from_secs(6), "{domain} took {took:?}");
    }
    let seen = s.seen.lock().unwrap().clone();
    assert!(seen.iter().any(|t| t.starts_with("/slow.test/")));
}

#[tokio::test]
async fn guessed_hosts_are_probed_in_order() {
    let mut s = stack().await;
    let imap = TcpListener::bind(LOCAL).unwrap();
    let smtp = TcpListener::bind(LOCAL).unwrap();
    let (imap_port, smtp_port) = (port(&imap), port(&smtp));
    let closed = (closed_port(), Security::Tls);
    s.config.probe_imap_ports = vec![closed, (imap_port, Security::StartTls)];
    s.config.probe_smtp_ports = vec![(smtp_port, Security::Tls), closed];

    let found = find("ann@guess.test", &s.config).await;
    assert_eq!(found.source, DiscoverySource::Guess);
    let imap = format!("imap.guess.test:{imap_port}/starttls");
    assert_eq!(show(&found.imap), imap);
    let smtp = format!("smtp.guess.test:{smtp_port}/tls");
    assert_eq!(show(&found.smtp), smtp);

    let found = find("ann@mailonly.test", &s.config).await;
    assert_eq!(found.imap.host, "mail.mailonly.test");
    assert_eq!(found.smtp.host, "mail.mailonly.test");
}

#[tokio::test]
async fn unknown_domains_and_silent_dns_end_in_bounded_time() {
    let mut s = stack().await;
    let (found, took) = timed("ann@unknown.test", &s.config).await;
    assert_eq!(found, None);
    assert!(took < Duration::from_secs(3), "took {took:?}");

    // A DNS server that never answers: every step waits at most its timeout.
    let silent = UdpSocket::bind(LOCAL).unwrap();
    s.config.dns_server = Some(silent.local_addr().unwrap());
    s.config.timeout = Duration::from_millis(500);
    let (found, took) = timed("ann@silent.test", &s.config).await;
    assert_eq!(found, None);
    assert!(took < Duration::from_secs(5), "took {took:?}");

    for bad in ["", "no-at-sign", "ann@localhost", "ann@[127.0.0.1]"] {
        assert_eq!(timed(bad, &s.config).await.0, None, "{bad:?}");
    }
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let mut s = stack().await;
    let open = TcpListener::bind(LOCAL).unwrap();
    s.config.probe_imap_ports = vec![(port(&open), Security::Tls)];
    s.config.probe_smtp_ports = s.config.probe_imap_ports.clone();
    assert!(timed("ann@guess.test", &s.config).await.0.is_some());

    s.config.allow_private_addresses = false;
    let before = s.seen.lock().unwrap().len();
    assert_eq!(timed("ann@guess.test", &s.config).await.0, None);
    assert_eq!(timed("ann@auto.test", &s.config).await.0, None);
    // Not even a request reached the loopback HTTP server.
    assert_eq!(s.seen.lock().unwrap().len(), before);
}
