//! The server's greeting (RFC 3501 §7.1), and what each server offered before login,
//! remembered in this process: a session to a server seen before sends its log-in
//! without waiting for the greeting, which over TLS comes a round trip after the
//! handshake (docs/benchmarks.md, forty-ninth round).
//!
//! The log-in then goes out with the handshake's last flight, and the greeting is read
//! aside ([`BoundedStream::set_greeting_aside`]) and judged after the log-in's answer
//! ([`Early::settle`]). Only over implicit TLS, whose certificate has proven the server
//! before anything is sent, and only a log-in whose command line carries it whole
//! (LOGIN, or AUTHENTICATE with SASL-IR): one that waits for the server's continuation is
//! left as it was.
//!
//! [`BoundedStream::set_greeting_aside`]: crate::mail::bounded_stream::BoundedStream::set_greeting_aside

use super::{
    super::{Login, classify},
    authenticate::method,
};
use async_imap::{
    Client,
    imap_proto::{Capability, Response, ResponseCode, Status},
};
use domain::{ConnectProblem, ServerAddress};
use std::{
    collections::HashMap,
    io,
    sync::{LazyLock, Mutex, MutexGuard},
};

/// Servers remembered at most; past that the memory starts afresh.
const MAX_SERVERS: usize = 1024;

/// Offers remembered for a server at most, and the longest name: a server offering more
/// (real ones offer 10–40 short names) is not remembered, and its sessions wait for its
/// greeting. So the memory holds at most about 1,024 × 128 × 64 bytes (8 MiB).
const MAX_OFFERS: usize = 128;
const MAX_OFFER_BYTES: usize = 64;

/// What a server offered before login, and whether a log-in may go before its greeting.
#[derive(Clone)]
struct Offered {
    caps: Vec<String>,
    early: bool,
}

static OFFERED: LazyLock<Mutex<HashMap<String, Offered>>> = LazyLock::new(Default::default);

fn offered() -> MutexGuard<'static, HashMap<String, Offered>> {
    OFFERED.lock().unwrap_or_else(|p| p.into_inner())
}

/// The memory's key of a server: its host name (as configured, any case) and port.
pub(super) fn key(server: &ServerAddress) -> String {
    format!("{}:{}", server.host.to_ascii_lowercase(), server.port)
}

/// What the server offered before login when last asked over TLS, unless a log-in sent
/// before its greeting did not take there.
pub(super) fn recall(key: &str) -> Option<Vec<String>> {
    offered()
        .get(key)
        .filter(|o| o.early)
        .map(|o| o.caps.clone())
}

/// What the server offers before login, told in its greeting or by CAPABILITY over TLS.
pub(super) fn remember(key: &str, caps: &[String]) {
    let mut memory = offered();
    if caps.len() > MAX_OFFERS || caps.iter().any(|c| c.len() > MAX_OFFER_BYTES) {
        memory.remove(key);
        return;
    }
    if memory.len() >= MAX_SERVERS && !memory.contains_key(key) {
        memory.clear();
    }
    let early = memory.get(key).is_none_or(|o| o.early);
    let caps = caps.to_vec();
    memory.insert(key.to_owned(), Offered { caps, early });
}

fn forget(key: &str) {
    offered().remove(key);
}

/// No log-in goes before this server's greeting again in this process.
fn wait_for_greeting(key: &str) {
    if let Some(o) = offered().get_mut(key) {
        o.early = false;
    }
}

/// A log-in sent before the greeting came, with the capabilities remembered for the
/// server. Dropped unsettled (the log-in cut short by its time bound), the server's
/// sessions wait for its greeting from then on.
pub(super) struct Early {
    key: String,
    offered: Vec<String>,
    settled: bool,
}

/// What became of an early log-in: its outcome, or to be done again the usual way.
pub(super) enum Settled<T> {
    Done(Result<T, ConnectProblem>),
    Again,
}

impl Early {
    pub(super) fn new(key: String, offered: Vec<String>) -> Self {
        Early {
            key,
            offered,
            settled: false,
        }
    }

    /// The `login`'s `outcome` judged with the `greeting` that came before its answer
    /// (none where the connection ended first).
    /// - A greeting that is not OK (BYE, PREAUTH) fails the session as it would have.
    /// - Offers other than those remembered are remembered. A failed log-in is done again
    ///   the usual way only if the new offers choose another way of logging in.
    /// - Otherwise a refused password or token stands: a second try would count twice
    ///   against the account's failed log-ins.
    /// - Any other failure, or none of the greeting (a server that dropped or refused
    ///   what came before its greeting), is done again the usual way, and the server's
    ///   sessions wait for its greeting from then on. No answer at all is the log-in's
    ///   time running out (the caller's bound), as for any server.
    pub(super) fn settle<T>(
        mut self,
        login: &Login,
        greeting: Option<Vec<u8>>,
        outcome: Result<T, ConnectProblem>,
    ) -> Settled<T> {
        self.settled = true;
        let Some(line) = greeting else {
            wait_for_greeting(&self.key);
            return Settled::Again;
        };
        let told = match parsed(&line) {
            Ok(told) => told,
            Err(problem) => {
                forget(&self.key);
                return Settled::Done(Err(problem));
            }
        };
        let changed = told.as_ref().filter(|told| !same(told, &self.offered));
        if let Some(told) = changed {
            remember(&self.key, told);
        }
        let chosen_otherwise =
            changed.is_some_and(|told| method(told, login) != method(&self.offered, login));
        match outcome {
            Ok(done) => Settled::Done(Ok(done)),
            Err(_) if chosen_otherwise => Settled::Again,
            Err(
                problem @ (ConnectProblem::WrongPassword
                | ConnectProblem::SignInExpired
                | ConnectProblem::LoginRefused { .. }),
            ) => Settled::Done(Err(problem)),
            Err(_) => {
                wait_for_greeting(&self.key);
                Settled::Again
            }
        }
    }
}

impl Drop for Early {
    fn drop(&mut self) {
        if !self.settled {
            wait_for_greeting(&self.key);
        }
    }
}

fn same(a: &[String], b: &[String]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

/// Reads the server greeting and the capabilities it may carry.
/// `plain`: before any TLS, where bytes that are not IMAP mean the port wants TLS.
pub(super) async fn greeting<T>(
    client: &mut Client<T>,
    plain: bool,
) -> Result<Option<Vec<String>>, ConnectProblem>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let response = match client.read_response().await {
        Ok(Some(response)) => response,
        Ok(None) => {
            return Err(ConnectProblem::Other {
                detail: "the server closed the connection without a greeting".into(),
            });
        }
        Err(e) if plain && classify::rustls_error(&e).is_none() && is_garbage(&e) => {
            return Err(ConnectProblem::StartTlsOnTlsPort);
        }
        Err(e) => return Err(classify::io_problem(&e, false)),
    };
    let parsed = response.parsed();
    if plain && !matches!(parsed, Response::Data { .. }) {
        return Err(ConnectProblem::StartTlsOnTlsPort);
    }
    outcome(parsed)
}

/// A greeting line read aside, judged as [`greeting`] judges one over TLS.
fn parsed(line: &[u8]) -> Result<Option<Vec<String>>, ConnectProblem> {
    match Response::parse(line) {
        Ok((_, response)) => outcome(&response),
        Err(_) => Err(classify::other(format!(
            "unexpected greeting {:?}",
            String::from_utf8_lossy(line).trim_end()
        ))),
    }
}

/// OK, with the capabilities its code told (if any), or why the session cannot go on.
fn outcome(response: &Response<'_>) -> Result<Option<Vec<String>>, ConnectProblem> {
    match response {
        Response::Data {
            status: Status::Ok,
            outcome,
        } => Ok(match &outcome.code {
            Some(ResponseCode::Capabilities(caps)) => {
                Some(caps.iter().map(capability_text).collect())
            }
            _ => None,
        }),
        Response::Data { status, outcome } => Err(classify::other(format!(
            "greeting {status:?}: {}",
            outcome.information.as_deref().unwrap_or_default()
        ))),
        other => Err(classify::other(format!("unexpected greeting {other:?}"))),
    }
}

/// Bytes that are no IMAP at all (a TLS record, binary): async-imap reports them as a
/// parse error (`Other`) or a truncated response (`UnexpectedEof`).
fn is_garbage(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::Other | io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData
    )
}

pub(super) fn capability_text(cap: &Capability<'_>) -> String {
    match cap {
        Capability::Imap4rev1 => "IMAP4REV1".into(),
        Capability::Auth(mech) => format!("AUTH={}", mech.to_ascii_uppercase()),
        Capability::Atom(atom) => atom.to_ascii_uppercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offers(list: &str) -> Vec<String> {
        list.split(' ').map(str::to_owned).collect()
    }

    fn login() -> Login {
        Login::new("u", "p")
    }

    fn early(key: &str, list: &str) -> Early {
        remember(key, &offers(list));
        Early::new(key.to_owned(), offers(list))
    }

    const OK: &[u8] = b"* OK [CAPABILITY IMAP4REV1 AUTH=PLAIN] ready\r\n";

    /// An early log-in to a server remembered with `list`, refused after an OK greeting.
    fn refused(key: &str, list: &str) -> Settled<()> {
        early(key, list).settle(
            &login(),
            Some(OK.to_vec()),
            Err(ConnectProblem::WrongPassword),
        )
    }

    #[test]
    fn a_log_in_with_an_ok_greeting_stands_and_offers_told_anew_are_remembered() {
        let settled =
            early("a:993", "AUTH=PLAIN IMAP4REV1").settle(&login(), Some(OK.to_vec()), Ok(1));
        assert!(matches!(settled, Settled::Done(Ok(1))));
        assert_eq!(recall("a:993"), Some(offers("AUTH=PLAIN IMAP4REV1")));
        let changed = early("b:993", "IMAP4REV1 AUTH=PLAIN SASL-IR").settle(
            &login(),
            Some(OK.to_vec()),
            Ok(2),
        );
        assert!(matches!(changed, Settled::Done(Ok(2))));
        assert_eq!(recall("b:993"), Some(offers("IMAP4REV1 AUTH=PLAIN")));
        // A greeting without offers (Gmail's) leaves what was remembered.
        let bare = b"* OK Gimap ready\r\n".to_vec();
        let settled = early("c:993", "IMAP4REV1 SASL-IR").settle(&login(), Some(bare), Ok(3));
        assert!(matches!(settled, Settled::Done(Ok(3))));
        assert_eq!(recall("c:993"), Some(offers("IMAP4REV1 SASL-IR")));
    }

    #[test]
    fn a_refused_password_stands_and_other_failures_are_done_again() {
        let wrong = refused("d:993", "IMAP4REV1 AUTH=PLAIN");
        assert!(matches!(
            wrong,
            Settled::Done(Err(ConnectProblem::WrongPassword))
        ));
        assert!(recall("d:993").is_some());
        let lost = early("e:993", "IMAP4REV1 AUTH=PLAIN").settle::<()>(
            &login(),
            Some(OK.to_vec()),
            Err(classify::other("connection lost")),
        );
        assert!(matches!(lost, Settled::Again));
        assert_eq!(recall("e:993"), None, "no longer early");
        remember("e:993", &offers("IMAP4REV1 AUTH=PLAIN"));
        assert_eq!(recall("e:993"), None, "not early again once greeted");
        // Offers other than remembered that choose another log-in (PLAIN, not LOGIN):
        // the refusal may come from the old choice.
        let changed = refused("f:993", "IMAP4REV1 LOGINDISABLED");
        assert!(matches!(changed, Settled::Again));
        assert_eq!(recall("f:993"), Some(offers("IMAP4REV1 AUTH=PLAIN")));
        // Other offers, the same log-in: the refusal stands, the new offers are kept.
        let same_choice = refused("j:993", "IMAP4REV1 AUTH=PLAIN ID");
        assert!(matches!(
            same_choice,
            Settled::Done(Err(ConnectProblem::WrongPassword))
        ));
        assert_eq!(recall("j:993"), Some(offers("IMAP4REV1 AUTH=PLAIN")));
        // The connection closed before any greeting.
        let closed =
            early("g:993", "IMAP4REV1").settle::<()>(&login(), None, Err(classify::other("eof")));
        assert!(matches!(closed, Settled::Again));
        assert_eq!(recall("g:993"), None);
    }

    #[test]
    fn a_greeting_that_is_not_ok_fails_the_session() {
        for line in [
            &b"* BYE too many connections\r\n"[..],
            b"* PREAUTH hi\r\n",
            b"garbage\r\n",
        ] {
            let settled = early("h:993", "IMAP4REV1").settle(&login(), Some(line.to_vec()), Ok(()));
            let Settled::Done(Err(ConnectProblem::Other { detail })) = settled else {
                panic!("{:?}", String::from_utf8_lossy(line));
            };
            assert!(detail.contains("greeting"), "{detail}");
            assert_eq!(recall("h:993"), None);
        }
    }

    #[test]
    fn a_server_offering_too_much_is_not_remembered() {
        remember("k:993", &offers("IMAP4REV1"));
        let many: Vec<String> = (0..=MAX_OFFERS).map(|i| format!("X{i}")).collect();
        remember("k:993", &many);
        assert_eq!(recall("k:993"), None);
        remember("k:993", &["X".repeat(MAX_OFFER_BYTES + 1)]);
        assert_eq!(recall("k:993"), None);
    }

    #[test]
    fn a_log_in_cut_short_waits_for_the_greeting_from_then_on() {
        drop(early("i:993", "IMAP4REV1"));
        assert_eq!(recall("i:993"), None);
    }
}
