//! Whole messages (`BODY.PEEK[]`) in byte-bounded answers, read one message at a time,
//! up to two UID FETCHes in flight on a session, those cut by a budget asked for again
//! alone, and a FETCH of flags, dates and sizes that may go ahead of them.

use super::{
    ImapSession, Meta, Wanted, drop_unsolicited, new_headers::meta_of, search::done_of,
    search::read, uid_set,
};
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
    for uid in std::mem::take(&mut answers.again) {
        out.push((uid, answers.alone(session, uid).await?));
    }
    Ok(out)
}

/// UID FETCHes of whole messages on one session, read by hand, message by message, so
/// that a caller can hand batches on while the rest is still arriving, and ask for the
/// next fetch before the one before it is answered (a link's round trip is then not
/// paid between them). The messages of fetches in flight may come in any order (a server
/// may run pipelined commands side by side); each is known by its UID. A FETCH of flags,
/// dates and sizes may go ahead of them ([`Answers::ask_meta`]), its answer read with
/// theirs.
pub struct Answers {
    asked: Vec<Asked>,
    meta: Option<MetaAsked>,
    max_message: u64,
    /// Within the per-message limit but over what was left of an answer's budget: to be
    /// asked for again alone ([`Answers::alone`]) once the answers are read.
    pub again: Vec<i64>,
}

/// One UID FETCH of whole messages in flight.
struct Asked {
    tag: RequestId,
    wanted: Wanted,
    /// The bytes its answer may hold.
    budget: u64,
    /// Of one message cut by a shared answer's budget: a cut by the budget is final.
    alone: bool,
}

/// The FETCH of flags, dates and sizes sent ahead: what it answered so far, and whether
/// its tagged answer was read.
struct MetaAsked {
    tag: RequestId,
    wanted: Wanted,
    metas: Vec<Meta>,
    ended: bool,
}

/// What reading the answers gave.
pub enum Answer {
    /// A message asked for.
    Message(i64, Body),
    /// One of the fetches in flight has ended (all it will give was given).
    Ended,
}

/// What a FETCH asking for flags, dates and sizes may hold: as much as the connection
/// allows any answer (`StreamLimits::max_response_bytes`).
const META_BUDGET: u64 = u64::MAX;

impl Answers {
    /// No fetch yet; messages over `max_message_bytes` come as [`Body::TooLarge`].
    pub fn new(max_message_bytes: i64) -> Answers {
        Answers {
            asked: Vec::new(),
            meta: None,
            max_message: u64::try_from(max_message_bytes).unwrap_or(0),
            again: Vec::new(),
        }
    }

    /// Fetches of whole messages in flight (sent, their tagged answer not yet read).
    pub fn in_flight(&self) -> usize {
        self.asked.len()
    }

    /// Sends the UID FETCH for `uids`; its answer may hold about twice `declared_bytes`
    /// plus 1 MiB (and at most what the connection allows). Sent while other answers are
    /// still coming, they share what is left of their budgets and its own, at most the sum
    /// of the budgets in flight
    /// ([`BoundedStream::limit_next_command_beside`](crate::mail::bounded_stream::BoundedStream::limit_next_command_beside)).
    pub async fn ask(
        &mut self,
        session: &mut ImapSession,
        uids: &[i64],
        declared_bytes: i64,
    ) -> Result<(), SyncError> {
        let declared = u64::try_from(declared_bytes).unwrap_or(0);
        let budget = declared.saturating_mul(2).saturating_add(1 << 20);
        self.ask_bodies(session, uids, budget, false).await
    }

    /// `uid` (cut by a shared answer's budget) asked for alone, with room for the largest
    /// message allowed, and read; cut again (the connection's own bound is lower), it is
    /// kept as too large. Asked once no other fetch of whole messages is in flight (their
    /// answers would be read here and dropped).
    pub async fn alone(&mut self, session: &mut ImapSession, uid: i64) -> Result<Body, SyncError> {
        debug_assert!(self.asked.is_empty(), "asked alone beside other fetches");
        let budget = self.max_message.saturating_mul(2).saturating_add(1 << 20);
        self.ask_bodies(session, &[uid], budget, true).await?;
        let mut got = Body::TooLarge;
        while let Some(answer) = self.next(session).await? {
            if let Answer::Message(_, body) = answer {
                got = body;
            }
        }
        Ok(got)
    }

    async fn ask_bodies(
        &mut self,
        session: &mut ImapSession,
        uids: &[i64],
        budget: u64,
        alone: bool,
    ) -> Result<(), SyncError> {
        let items = "(UID BODY.PEEK[])";
        let tag = self
            .send(session, uids, items, (budget, self.max_message))
            .await?;
        self.asked.push(Asked {
            tag,
            wanted: Wanted::new(uids),
            budget,
            alone,
        });
        Ok(())
    }

    /// Sends a FETCH of flags, dates and sizes of `uids` (a few dozen bytes of answer
    /// each), read with the answers to fetches of whole messages and taken with
    /// [`Answers::metas`]: it goes ahead of them instead of a round trip before them.
    pub async fn ask_meta(
        &mut self,
        session: &mut ImapSession,
        uids: &[i64],
    ) -> Result<(), SyncError> {
        let items = "(UID FLAGS INTERNALDATE RFC822.SIZE)";
        let tag = self
            .send(session, uids, items, (META_BUDGET, 64 << 10))
            .await?;
        self.meta = Some(MetaAsked {
            tag,
            wanted: Wanted::new(uids),
            metas: Vec::with_capacity(uids.len()),
            ended: false,
        });
        Ok(())
    }

    /// Whether a FETCH of flags, dates and sizes was asked for and not yet taken.
    pub fn meta_asked(&self) -> bool {
        self.meta.is_some()
    }

    /// The answer to [`Answers::ask_meta`] once it has been read to its end beside the
    /// answers to fetches of whole messages (taken once; none before its end).
    pub fn ended_metas(&mut self) -> Option<Vec<Meta>> {
        self.meta.take_if(|m| m.ended).map(|m| m.metas)
    }

    /// The answer to [`Answers::ask_meta`] (none if nothing was asked), read to its end
    /// once no fetch of whole messages is in flight (their answers would be read here and
    /// dropped). As with async-imap's own FETCH, a refusal leaves out the messages not answered:
    /// they get no row, and the next run asks for them again.
    pub async fn metas(&mut self, session: &mut ImapSession) -> Result<Vec<Meta>, SyncError> {
        debug_assert!(self.asked.is_empty(), "metas read beside fetches of bodies");
        while self.meta.as_ref().is_some_and(|m| !m.ended) {
            read(session, |response| {
                self.take(response);
            })
            .await?;
        }
        Ok(self.meta.take().map(|m| m.metas).unwrap_or_default())
    }

    /// Sends `UID FETCH <uids> items`, its answer bounded by `(bytes, literal bytes)`
    /// beside what is left of the answers in flight.
    async fn send(
        &mut self,
        session: &mut ImapSession,
        uids: &[i64],
        items: &str,
        (budget, literal): (u64, u64),
    ) -> Result<RequestId, SyncError> {
        let meta = self.meta.as_ref().filter(|m| !m.ended).map(|_| META_BUDGET);
        let in_flight: Vec<u64> = self.asked.iter().map(|a| a.budget).chain(meta).collect();
        let stream = session.get_mut();
        if in_flight.is_empty() {
            stream.limit_next_command(budget, literal);
            drop_unsolicited(session);
        } else {
            let sum = in_flight
                .iter()
                .fold(budget, |sum, b| sum.saturating_add(*b));
            stream.limit_next_command_beside((budget, literal), sum);
        }
        let command = format!("UID FETCH {} {items}", uid_set(uids));
        Ok(session.run_command(command).await?)
    }

    /// The next message asked for, or [`Answer::Ended`] when a fetch has ended; `None`
    /// when none is in flight. A fetch the server refused (`NO`: RFC 2180 §4.1 allows it
    /// for a message expunged by another session) ends as an answer does: what it did not
    /// give is left out, as async-imap's own FETCH leaves it, and asked for by the next
    /// run. A lost connection is the error.
    pub async fn next(&mut self, session: &mut ImapSession) -> Result<Option<Answer>, SyncError> {
        while !self.asked.is_empty() {
            let mut got = None;
            read(session, |response| got = self.take(response)).await?;
            if got.is_some() {
                return Ok(got);
            }
        }
        Ok(None)
    }

    /// What `response` answers of the fetches in flight, if anything.
    fn take(&mut self, response: &Response<'_>) -> Option<Answer> {
        let Response::Fetch(_, attributes) = response else {
            if let Some(meta) = self.meta.as_mut().filter(|m| !m.ended)
                && let Some(status) = done_of(response, &meta.tag)
            {
                meta.ended = true;
                refused(status, "flags, dates and sizes");
                return None;
            }
            let ended = self
                .asked
                .iter()
                .position(|a| done_of(response, &a.tag).is_some())?;
            let asked = self.asked.remove(ended);
            refused(done_of(response, &asked.tag)?, "whole messages");
            return Some(Answer::Ended);
        };
        let (uid, body) = uid_and_body(attributes);
        let Some((uid, alone)) = self.asked.iter_mut().find_map(|a| {
            let uid = a.wanted.answer_uid(uid.map(i64::from), body.is_some())?;
            Some((uid, a.alone))
        }) else {
            if let Some(meta) = self.meta.as_mut()
                && let Some((found, told)) = meta_of(attributes)
                && meta.wanted.answer_uid(Some(found.uid), told).is_some()
            {
                meta.metas.push(found);
            }
            return None;
        };
        let body = match body {
            Some(OVER_BUDGET_MARKER) if !alone => {
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
        Some(Answer::Message(uid, body))
    }
}

/// Notes a FETCH's refusal: what it did not give is left out.
fn refused(status: Result<(), SyncError>, what: &str) {
    if let Err(err) = status {
        let error = err.user_text();
        tracing::debug!(%error, "sync: a FETCH of {what} refused; what it did not give is left out");
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
