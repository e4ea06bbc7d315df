//! Whole messages (`BODY.PEEK[]`) in one byte-bounded answer, and those cut by its budget
//! asked for again alone.

use super::{ImapSession, Wanted, drop_unsolicited, uid_set};
use crate::{
    mail::bounded_stream::{OVER_BUDGET_MARKER, OVERSIZE_MARKER},
    sync::error::SyncError,
};
use futures_util::TryStreamExt;

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
    let declared = u64::try_from(declared_bytes).unwrap_or(0);
    let max_message = u64::try_from(max_message_bytes).unwrap_or(0);
    let (mut out, again) = bodies_within(session, uids, declared, max_message).await?;
    for uid in again {
        let (alone, _) = bodies_within(session, &[uid], max_message, max_message).await?;
        // Cut again (the connection's own bound is lower): kept as too large.
        out.push(alone.into_iter().next().unwrap_or((uid, Body::TooLarge)));
    }
    Ok(out)
}

/// One FETCH of whole messages within an answer of about twice `declared` plus 1 MiB;
/// also the UIDs whose literal did not fit what was left of it.
async fn bodies_within(
    session: &mut ImapSession,
    uids: &[i64],
    declared: u64,
    max_message: u64,
) -> Result<(Vec<(i64, Body)>, Vec<i64>), SyncError> {
    drop_unsolicited(session);
    session.get_mut().limit_next_command(
        declared.saturating_mul(2).saturating_add(1 << 20),
        max_message,
    );
    let mut stream = session
        .uid_fetch(uid_set(uids), "(UID BODY.PEEK[])")
        .await?;
    let mut out = Vec::with_capacity(uids.len());
    let mut again = Vec::new();
    let mut wanted = Wanted::new(uids);
    while let Some(f) = stream.try_next().await? {
        let Some(uid) = wanted.answer(&f, f.body().is_some()) else {
            continue;
        };
        let body = match f.body() {
            Some(OVER_BUDGET_MARKER) => {
                again.push(uid);
                continue;
            }
            Some(b) if b == OVERSIZE_MARKER || b.len() as u64 > max_message => Body::TooLarge,
            b => Body::Kept(b.unwrap_or_default().to_vec()),
        };
        out.push((uid, body));
    }
    Ok((out, again))
}
