//! Whole messages (`BODY.PEEK[]`) in byte-bounded answers, read one message at a time,
//! up to two UID FETCHes in flight on a session, and those cut by a budget asked for again
//! alone.

use super::{ImapSession, Wanted, drop_unsolicited, search::done_of, search::read, uid_set};
use crate::{
    mail::bounded_stream::{OVER_BUDGET_MARKER, OVERSIZE_MARKER},
    sync::error::SyncError,
};
use async_imap::imap_proto::{AttributeValue, RequestId, Response};

/// A whole message as fetched, or the fact that it was over the limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    Kept(Vec<u8>),
    /// Larger than the per-message limit, or than the batch could hold: headers only.
    TooLarge,
}

/// Whole messages of these UIDs. The answer may hold about twice the sizes the server
/// declared for them (servers estimate; Exchange converts on the fly) plus 1 MiB, and no
/// message over `max_message_bytes`: whatever goes beyond arrives as [`Body::TooLarge`],
/// however much the server actually sends. A message within the per-message limit that
/// did not fit what was left of the batch's answer is asked for again alone, with room
/// for the largest message allowed: an under-declared batch costs a command more, not
/// messages marked too large for good.
pub async fn bodies(
    session: &mut ImapSession,
    uids: &[i64],
    declared_bytes: i64,
    max_message_bytes: i64,
) -> Result<Vec<(i64, Body)>, SyncError> {
    let mut out = Vec::with_capacity(uids.len());
    let mut answers = Answers::new(max_message_bytes);
    answers.ask(session, uids, declared_bytes).await?;
    while let Some(answer) = answers.next(session).await? {
        if let Answer::Message(uid, body) = answer {
            out.push((uid, body));
        }
    }
    out.extend(asked_alone(session, &answers.again, max_message_bytes).await?);
    Ok(out)
}

/// Each of `uids` asked for alone, with room for the largest message allowed (those cut
/// by a shared answer's budget); cut again, it is kept as too large.
pub async fn asked_alone(
    session: &mut ImapSession,
    uids: &[i64],
    max_message_bytes: i64,
) -> Result<Vec<(i64, Body)>, SyncError> {
    let mut out = Vec::with_capacity(uids.len());
    for &uid in uids {
        let mut answers = Answers::new(max_message_bytes).alone();
        answers.ask(session, &[uid], max_message_bytes).await?;
        let mut got = None;
        while let Some(answer) = answers.next(session).await? {
            if let Answer::Message(uid, body) = answer {
                got = Some((uid, body));
            }
        }
        // Cut again (the connection's own bound is lower): kept as too large.
        out.push(got.unwrap_or((uid, Body::TooLarge)));
    }
    Ok(out)
}

/// UID FETCHes of whole messages on one session, read by hand, message by message, so
/// that a caller can hand batches on while the rest is still arriving, and ask for the
/// next fetch before the one before it is answered (a link's round trip is then not
/// paid between them). The messages of fetches in flight may come in any order (a server
/// may run pipelined commands side by side); each is known by its UID.
pub struct Answers {
    asked: Vec<Asked>,
    max_message: u64,
    /// Asked alone already: a cut by the budget is final.
    alone: bool,
    /// Within the per-message limit but over what was left of an answer's budget: to be
    /// asked for again alone ([`asked_alone`]) once the answers are read.
    pub again: Vec<i64>,
}

/// One UID FETCH in flight.
struct Asked {
    tag: RequestId,
    wanted: Wanted,
}

/// What reading the answers gave.
pub enum Answer {
    /// A message asked for.
    Message(i64, Body),
    /// One of the fetches in flight has ended (all it will give was given).
    Ended,
}

impl Answers {
    /// No fetch yet; messages over `max_message_bytes` come as [`Body::TooLarge`].
    pub fn new(max_message_bytes: i64) -> Answers {
        Answers {
            asked: Vec::new(),
            max_message: u64::try_from(max_message_bytes).unwrap_or(0),
            alone: false,
            again: Vec::new(),
        }
    }

    fn alone(mut self) -> Self {
        self.alone = true;
        self
    }

    /// Fetches in flight (sent, their tagged answer not yet read).
    pub fn in_flight(&self) -> usize {
        self.asked.len()
    }

    /// Sends the UID FETCH for `uids`; its answer may hold about twice `declared_bytes`
    /// plus 1 MiB (and at most what the connection allows). Sent while another fetch is in
    /// flight, its budget adds to what is left of that one's
    /// ([`BoundedStream::limit_next_command_beside`](crate::mail::bounded_stream::BoundedStream::limit_next_command_beside)).
    pub async fn ask(
        &mut self,
        session: &mut ImapSession,
        uids: &[i64],
        declared_bytes: i64,
    ) -> Result<(), SyncError> {
        let declared = u64::try_from(declared_bytes).unwrap_or(0);
        let budget = declared.saturating_mul(2).saturating_add(1 << 20);
        let stream = session.get_mut();
        if self.asked.is_empty() {
            stream.limit_next_command(budget, self.max_message);
        } else {
            stream.limit_next_command_beside(budget, self.max_message);
        }
        if self.asked.is_empty() {
            drop_unsolicited(session);
        }
        let tag = session
            .run_command(format!("UID FETCH {} (UID BODY.PEEK[])", uid_set(uids)))
            .await?;
        self.asked.push(Asked {
            tag,
            wanted: Wanted::new(uids),
        });
        Ok(())
    }

    /// The next message asked for, or [`Answer::Ended`] when a fetch has ended; `None`
    /// when none is in flight. A fetch the server refused is the error.
    pub async fn next(&mut self, session: &mut ImapSession) -> Result<Option<Answer>, SyncError> {
        while !self.asked.is_empty() {
            let mut got = None;
            read(session, |response| got = self.take(response)).await?;
            if let Some(answer) = got.transpose()? {
                return Ok(Some(answer));
            }
        }
        Ok(None)
    }

    /// What `response` answers of the fetches in flight, if anything.
    fn take(&mut self, response: &Response<'_>) -> Option<Result<Answer, SyncError>> {
        let Response::Fetch(_, attributes) = response else {
            let ended = self
                .asked
                .iter()
                .position(|a| done_of(response, &a.tag).is_some())?;
            let asked = self.asked.remove(ended);
            return Some(done_of(response, &asked.tag)?.map(|()| Answer::Ended));
        };
        let (uid, body) = uid_and_body(attributes);
        let uid = self
            .asked
            .iter_mut()
            .find_map(|a| a.wanted.answer_uid(uid, body.is_some()))?;
        let body = match body {
            Some(OVER_BUDGET_MARKER) if !self.alone => {
                self.again.push(uid);
                return None;
            }
            Some(b)
                if b == OVERSIZE_MARKER
                    || b == OVER_BUDGET_MARKER
                    || b.len() as u64 > self.max_message =>
            {
                Body::TooLarge
            }
            b => Body::Kept(b.unwrap_or_default().to_vec()),
        };
        Some(Ok(Answer::Message(uid, body)))
    }
}

/// The UID and whole message of a FETCH answer (`BODY[]`, or `RFC822` as some servers
/// name it), as async-imap's `Fetch` reads them.
fn uid_and_body<'a>(attributes: &'a [AttributeValue<'_>]) -> (Option<u32>, Option<&'a [u8]>) {
    let (mut uid, mut body) = (None, None);
    for attribute in attributes {
        match attribute {
            AttributeValue::Uid(n) => uid = Some(*n),
            AttributeValue::BodySection {
                section: None,
                data: Some(data),
                ..
            }
            | AttributeValue::Rfc822(Some(data)) => {
                body.get_or_insert(data.as_ref());
            }
            _ => {}
        }
    }
    (uid, body)
}
