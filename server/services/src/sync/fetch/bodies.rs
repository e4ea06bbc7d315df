//! Whole messages (`BODY.PEEK[]`) in one byte-bounded answer, read one at a time, and
//! those cut by its budget asked for again alone.

use super::{ImapSession, Wanted, drop_unsolicited, uid_set};
use crate::{
    mail::bounded_stream::{OVER_BUDGET_MARKER, OVERSIZE_MARKER},
    sync::error::SyncError,
};
use async_imap::types::Fetch;
use futures_util::{TryStreamExt, stream::BoxStream};

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
    let again = {
        let mut answers = Answers::ask(session, uids, declared_bytes, max_message_bytes).await?;
        while let Some(answer) = answers.next().await? {
            out.push(answer);
        }
        answers.again
    };
    out.extend(asked_alone(session, &again, max_message_bytes).await?);
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
        let mut answers = Answers::ask(session, &[uid], max_message_bytes, max_message_bytes)
            .await?
            .alone();
        let mut got = None;
        while let Some(answer) = answers.next().await? {
            got = Some(answer);
        }
        // Cut again (the connection's own bound is lower): kept as too large.
        out.push(got.unwrap_or((uid, Body::TooLarge)));
    }
    Ok(out)
}

/// The answer to one UID FETCH of whole messages, read message by message, so that a
/// caller can hand batches on while the rest of the answer is still arriving.
pub struct Answers<'a> {
    stream: BoxStream<'a, Result<Fetch, async_imap::error::Error>>,
    wanted: Wanted,
    max_message: u64,
    /// Asked alone already: a cut by the budget is final.
    alone: bool,
    /// Within the per-message limit but over what was left of the answer's budget: to be
    /// asked for again alone ([`asked_alone`]) once this answer is read.
    pub again: Vec<i64>,
}

impl<'a> Answers<'a> {
    /// Sends the UID FETCH for `uids`; the answer may hold about twice `declared_bytes`
    /// plus 1 MiB (and at most what the connection allows).
    pub async fn ask(
        session: &'a mut ImapSession,
        uids: &[i64],
        declared_bytes: i64,
        max_message_bytes: i64,
    ) -> Result<Answers<'a>, SyncError> {
        let declared = u64::try_from(declared_bytes).unwrap_or(0);
        let max_message = u64::try_from(max_message_bytes).unwrap_or(0);
        drop_unsolicited(session);
        session.get_mut().limit_next_command(
            declared.saturating_mul(2).saturating_add(1 << 20),
            max_message,
        );
        let stream = session
            .uid_fetch(uid_set(uids), "(UID BODY.PEEK[])")
            .await?;
        Ok(Answers {
            stream: Box::pin(stream),
            wanted: Wanted::new(uids),
            max_message,
            alone: false,
            again: Vec::new(),
        })
    }

    fn alone(mut self) -> Self {
        self.alone = true;
        self
    }

    /// The next message asked for, or `None` at the answer's end.
    pub async fn next(&mut self) -> Result<Option<(i64, Body)>, SyncError> {
        while let Some(f) = self.stream.try_next().await? {
            let Some(uid) = self.wanted.answer(&f, f.body().is_some()) else {
                continue;
            };
            let body = match f.body() {
                Some(OVER_BUDGET_MARKER) if !self.alone => {
                    self.again.push(uid);
                    continue;
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
            return Ok(Some((uid, body)));
        }
        Ok(None)
    }
}
