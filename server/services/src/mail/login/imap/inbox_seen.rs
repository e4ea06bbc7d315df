//! What the wizard's login check saw of INBOX: its STATUS (message count, UIDNEXT), asked
//! behind the LIST in the same round trip and remembered in this process per server and
//! user, so the mailbox's first sync can send its first search and its newest headers
//! with its EXAMINE (`sync::fetch::Ahead`) instead of a round trip after its answer.
//!
//! Only a hint: it sizes what the first sync asks, never what it keeps (the sync's own
//! EXAMINE and search decide that); it is taken once, and kept [`KEPT_FOR`] at most.
//! Bounded: at most [`MAX_MAILBOXES`] remembered, the oldest forgotten first.

use super::Tls;
use async_imap::{
    Session,
    imap_proto::{MailboxDatum, Response, StatusAttribute},
    types::UnsolicitedResponse,
};
use domain::ServerAddress;
use std::{
    collections::HashMap,
    sync::{LazyLock, Mutex, MutexGuard},
    time::{Duration, Instant},
};

/// The STATUS command, staged behind the check's LIST (its tag is none of async-imap's).
pub(super) const STATUS_LINE: &[u8] = b"st1 STATUS INBOX (MESSAGES UIDNEXT)\r\n";
const STATUS_TAG: &str = "st1";

/// Mailboxes remembered at most.
const MAX_MAILBOXES: usize = 1024;

/// How long what a check saw is kept: the wizard's next steps (the sync settings) take
/// minutes, and an older count would only make the first sync ask for the wrong part.
const KEPT_FOR: Duration = Duration::from_secs(30 * 60);

/// The longest the check waits for the STATUS answer once its LIST's has come (and at
/// most half the check's time left): a server that does not answer it only leaves the
/// first sync without the hint. Dovecot sends both answers together.
const STATUS_WAIT: Duration = Duration::from_secs(1);

/// INBOX as the check saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InboxSeen {
    pub messages: u32,
    pub uidnext: u32,
}

type Seen = HashMap<(String, String), (InboxSeen, Instant)>;

static SEEN: LazyLock<Mutex<Seen>> = LazyLock::new(Default::default);

fn seen() -> MutexGuard<'static, Seen> {
    SEEN.lock().unwrap_or_else(|p| p.into_inner())
}

/// Keeps what was seen of a mailbox, in place of anything older; the expired, then (when
/// full) the oldest, are forgotten.
fn remember(seen: &mut Seen, key: (String, String), inbox: InboxSeen) {
    seen.retain(|_, (_, at)| at.elapsed() < KEPT_FOR);
    if seen.len() >= MAX_MAILBOXES && !seen.contains_key(&key) {
        let oldest = seen.iter().min_by_key(|(_, (_, at))| *at);
        if let Some(oldest) = oldest.map(|(key, _)| key.clone()) {
            seen.remove(&oldest);
        }
    }
    seen.insert(key, (inbox, Instant::now()));
}

fn key(server: &ServerAddress, username: &str) -> (String, String) {
    (super::greeting::key(server), username.to_owned())
}

/// What the check of `username` at `server` saw of INBOX, if any, forgotten once taken.
pub fn take_inbox_seen(server: &ServerAddress, username: &str) -> Option<InboxSeen> {
    take(&mut seen(), &key(server, username))
}

fn take(seen: &mut Seen, key: &(String, String)) -> Option<InboxSeen> {
    let (inbox, at) = seen.remove(key)?;
    (at.elapsed() < KEPT_FOR).then_some(inbox)
}

/// Reads the answer of [`STATUS_LINE`], sent behind the LIST just read (whose reading
/// set aside what of it came before the LIST's end), and remembers what it tells. Any
/// refusal, silence or surprise only leaves nothing remembered; `time_left`, the check's,
/// bounds the wait (to half of it) so a silent server never fails a check.
pub(super) async fn read_and_remember(
    session: &mut Session<Tls>,
    server: &ServerAddress,
    username: &str,
    time_left: Duration,
) {
    let mut told = Told::default();
    while let Ok(response) = session.unsolicited_responses.try_recv() {
        match response {
            UnsolicitedResponse::Status {
                mailbox,
                attributes,
            } => told.status(&mailbox, &attributes),
            UnsolicitedResponse::Other(response) => told.take(response.parsed()),
            _ => {}
        }
    }
    let read = async {
        while told.done.is_none() {
            match session.read_response().await {
                Ok(Some(response)) => told.take(response.parsed()),
                _ => return,
            }
        }
    };
    if tokio::time::timeout(STATUS_WAIT.min(time_left / 2), read)
        .await
        .is_err()
    {
        tracing::debug!("mail check: STATUS of INBOX not answered in time");
        return;
    }
    let (Some(true), Some(messages), Some(uidnext)) = (told.done, told.messages, told.uidnext)
    else {
        return;
    };
    remember(
        &mut seen(),
        key(server, username),
        InboxSeen { messages, uidnext },
    );
}

/// The STATUS answer as it is read.
#[derive(Default)]
struct Told {
    messages: Option<u32>,
    uidnext: Option<u32>,
    /// Its tagged answer, once read: whether it was OK.
    done: Option<bool>,
}

impl Told {
    fn take(&mut self, response: &Response<'_>) {
        match response {
            Response::MailboxData(MailboxDatum::Status { mailbox, status }) => {
                self.status(mailbox, status);
            }
            Response::Done { tag, status, .. } if tag.0 == STATUS_TAG => {
                self.done = Some(matches!(status, async_imap::imap_proto::Status::Ok));
            }
            _ => {}
        }
    }

    fn status(&mut self, mailbox: &str, attributes: &[StatusAttribute]) {
        if !mailbox.eq_ignore_ascii_case("INBOX") {
            return;
        }
        for attribute in attributes {
            match attribute {
                StatusAttribute::Messages(n) => self.messages = Some(*n),
                StatusAttribute::UidNext(n) => self.uidnext = Some(*n),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(line: &[u8]) -> Response<'_> {
        Response::parse(line).expect("an answer").1
    }

    #[test]
    fn a_status_answer_is_read_whatever_the_inbox_names_case() {
        let mut told = Told::default();
        told.take(&parsed(b"* STATUS inbox (MESSAGES 231 UIDNEXT 44292)\r\n"));
        told.take(&parsed(b"A7 OK done\r\n"));
        assert_eq!(told.done, None, "another command's answer");
        told.take(&parsed(b"st1 OK done\r\n"));
        assert_eq!(
            (told.messages, told.uidnext, told.done),
            (Some(231), Some(44292), Some(true))
        );
    }

    #[test]
    fn another_folders_status_and_a_refusal_tell_nothing() {
        let mut told = Told::default();
        told.take(&parsed(b"* STATUS Sent (MESSAGES 5 UIDNEXT 6)\r\n"));
        told.take(&parsed(b"st1 NO no such mailbox\r\n"));
        assert_eq!(
            (told.messages, told.uidnext, told.done),
            (None, None, Some(false))
        );
    }

    #[test]
    fn what_was_seen_is_taken_once_whatever_the_hosts_case() {
        let server = ServerAddress {
            host: "Mail.Example.test".into(),
            port: 993,
            security: domain::Security::Tls,
        };
        let lower = ServerAddress {
            host: "mail.example.test".into(),
            ..server.clone()
        };
        let seen = InboxSeen {
            messages: 3,
            uidnext: 4,
        };
        let mut map = Seen::new();
        remember(&mut map, key(&server, "u@example.test"), seen);
        assert_eq!(take(&mut map, &key(&lower, "u@example.test")), Some(seen));
        assert_eq!(take(&mut map, &key(&server, "u@example.test")), None);
    }

    #[test]
    fn one_is_forgotten_when_full_and_a_newer_check_replaces_an_older() {
        let at = |n: usize| (format!("full-{n}.example.test:993"), "u".to_owned());
        let inbox = |messages| InboxSeen {
            messages,
            uidnext: messages + 1,
        };
        let mut map = Seen::new();
        for n in 0..=MAX_MAILBOXES {
            remember(&mut map, at(n), inbox(1));
        }
        assert_eq!(map.len(), MAX_MAILBOXES, "one forgotten");
        assert!(map.contains_key(&at(MAX_MAILBOXES)), "not the newest");
        remember(&mut map, at(MAX_MAILBOXES), inbox(7));
        assert_eq!(map.len(), MAX_MAILBOXES, "replaced, nothing more forgotten");
        assert_eq!(take(&mut map, &at(MAX_MAILBOXES)), Some(inbox(7)));
    }
}
