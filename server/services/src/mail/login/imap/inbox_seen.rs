//! What the wizard's login check saw of INBOX: its STATUS (message count, UIDNEXT), asked
//! behind the LIST in the same round trip and remembered in this process per server and
//! user, so the mailbox's first sync can send its first search and its newest headers
//! with its EXAMINE (`sync::fetch::Ahead`) instead of a round trip after its answer.
//!
//! Only a hint: it sizes what the first sync asks, never what it keeps (the sync's own
//! EXAMINE and search decide that), and it is taken once. Bounded: at most
//! [`MAX_MAILBOXES`] remembered; more are not.

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
    time::Duration,
};

/// The STATUS command, staged behind the check's LIST (its tag is none of async-imap's).
pub(super) const STATUS_LINE: &[u8] = b"st1 STATUS INBOX (MESSAGES UIDNEXT)\r\n";
const STATUS_TAG: &str = "st1";

/// Mailboxes remembered at most.
const MAX_MAILBOXES: usize = 1024;

/// The longest the check waits for the STATUS answer after its LIST's: a server that does
/// not answer it only leaves the first sync without the hint.
const STATUS_WAIT: Duration = Duration::from_secs(5);

/// INBOX as the check saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InboxSeen {
    pub messages: u32,
    pub uidnext: u32,
}

static SEEN: LazyLock<Mutex<HashMap<(String, String), InboxSeen>>> =
    LazyLock::new(Default::default);

fn seen() -> MutexGuard<'static, HashMap<(String, String), InboxSeen>> {
    SEEN.lock().unwrap_or_else(|p| p.into_inner())
}

fn key(server: &ServerAddress, username: &str) -> (String, String) {
    (super::greeting::key(server), username.to_owned())
}

/// What the check of `username` at `server` saw of INBOX, if any, forgotten once taken.
pub fn take_inbox_seen(server: &ServerAddress, username: &str) -> Option<InboxSeen> {
    seen().remove(&key(server, username))
}

/// Reads the answer of [`STATUS_LINE`], sent behind the LIST just read (whose reading
/// set aside what of it came before the LIST's end), and remembers what it tells. Any
/// refusal, silence or surprise only leaves nothing remembered.
pub(super) async fn read_and_remember(
    session: &mut Session<Tls>,
    server: &ServerAddress,
    username: &str,
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
    if tokio::time::timeout(STATUS_WAIT, read).await.is_err() {
        tracing::debug!("mail check: STATUS of INBOX not answered in time");
        return;
    }
    let (Some(true), Some(messages), Some(uidnext)) = (told.done, told.messages, told.uidnext)
    else {
        return;
    };
    let mut seen = seen();
    if seen.len() < MAX_MAILBOXES {
        seen.insert(key(server, username), InboxSeen { messages, uidnext });
    }
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
    fn what_was_seen_is_taken_once() {
        let server = ServerAddress {
            host: "Mail.Example.test".into(),
            port: 993,
            security: domain::Security::Tls,
        };
        let seen = InboxSeen {
            messages: 3,
            uidnext: 4,
        };
        super::seen().insert(key(&server, "taken-once@example.test"), seen);
        let lower = ServerAddress {
            host: "mail.example.test".into(),
            ..server.clone()
        };
        assert_eq!(
            take_inbox_seen(&lower, "taken-once@example.test"),
            Some(seen)
        );
        assert_eq!(take_inbox_seen(&server, "taken-once@example.test"), None);
    }
}
