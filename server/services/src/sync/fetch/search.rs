//! `UID SEARCH`, its answer's status checked, and on a first sync the newest messages'
//! header fields fetched in the same round trip as the first search.
//!
//! async-imap's `uid_search` ends at its tagged answer without looking at it: a search the
//! server refused (`NO`, `BAD`) would read as "no message in range", and a later run would
//! take every stored message for deleted on the server. Here a refusal is an error.

use super::{
    ImapSession, drop_unsolicited,
    flags::{FlagsAnswer, changed_since_query},
    header_items, header_row,
    new_headers::answers_headers,
    new_mail::{NewMail, NewMailAnswer, new_mail_items},
    search_ranges, stored_header,
};
use crate::sync::{
    error::SyncError,
    fetch::FolderState,
    store::{Flags, HeaderRow},
};
use async_imap::{
    error::Error as ImapError,
    imap_proto::{MailboxDatum, RequestId, Response, Status},
    types::UnsolicitedResponse,
};
use futures_util::TryStreamExt;
use std::collections::HashSet;

/// UIDs matching the criteria (`ALL` or `SINCE 1-Jan-2026`) in the folder EXAMINE
/// described. A large folder is searched in UID ranges (see [`search_ranges`]).
pub async fn search(
    session: &mut ImapSession,
    criteria: &str,
    state: &FolderState,
    range_uids: i64,
) -> Result<HashSet<i64>, SyncError> {
    let mut found = HashSet::new();
    for range in search_ranges(state, range_uids) {
        found.extend(search_range(session, criteria, range.as_deref()).await?);
    }
    Ok(found)
}

/// UIDs matching the criteria within one of [`search_ranges`] (`None`: the whole folder).
pub async fn search_range(
    session: &mut ImapSession,
    criteria: &str,
    range: Option<&str>,
) -> Result<Vec<i64>, SyncError> {
    uid_search(session, &query(criteria, range)).await
}

/// `UID SEARCH query`, its answer's status checked: what every search of the app uses
/// instead of async-imap's (see the module documentation).
pub async fn uid_search(session: &mut ImapSession, query: &str) -> Result<Vec<i64>, SyncError> {
    drop_unsolicited(session);
    let tag = session.run_command(format!("UID SEARCH {query}")).await?;
    SearchAnswer::default().read_rest(session, &tag).await
}

/// The first search of a first sync, and the header fields of the folder's newest
/// `count` messages (by sequence number, from EXISTS: the highest UIDs), sent together: a
/// round trip of the link less before the list shows. In a folder of `narrow_from`
/// messages or more, more than `count`, the search is of those messages and any after
/// them, by sequence number ([`first_search`], `FetchBounds::narrow_from`), not of the
/// whole `range`. async-imap hands what of the search's
/// answer comes before the FETCH's end to the unsolicited channel; the rest is read after
/// it. Returns the UIDs found, the header rows of the newest messages, **found or not**
/// (the caller keeps those of the UIDs its searches find: a message outside the period is
/// never stored), and the UID from which up the search covered the folder (`None`: not
/// known: the FETCH refused or its first message answered without its UID, or messages
/// expunged meanwhile, which renumbers them). A server that filled the channel before
/// the search's end (a part of its answer may have been dropped) is an error.
pub async fn search_with_newest(
    session: &mut ImapSession,
    criteria: &str,
    range: Option<&str>,
    exists: i64,
    (count, narrow_from): (usize, i64),
    max_header_bytes: u64,
) -> Result<(Vec<i64>, Vec<HeaderRow>, Option<i64>), SyncError> {
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    if exists <= 0 || count <= 0 {
        let found = search_range(session, criteria, range).await?;
        return Ok((found, Vec::new(), Some(range_start(range))));
    }
    let first = newest_first(exists, count);
    let (search, from) = first_search(criteria, range, (exists, first), narrow_from);
    drop_unsolicited(session);
    let tag = session.run_command(format!("UID SEARCH {search}")).await?;
    let (rows, first_uid) = newest_headers(session, first, max_header_bytes).await?;
    // What of the search's answer came before the FETCH's end was set aside, in order:
    // nothing of it was dropped if its tagged answer is there, or if the channel has
    // room left (nothing was refused a place). Otherwise its end may be lost, and waiting
    // for it would only wait out the command's time.
    let full = session.unsolicited_responses.is_full();
    let mut answer = SearchAnswer::default();
    while let Ok(response) = session.unsolicited_responses.try_recv() {
        match response {
            UnsolicitedResponse::Other(response) => answer.take(response.parsed(), &tag),
            UnsolicitedResponse::Expunge(_) => answer.renumbered = true,
            _ => {}
        }
    }
    if full && answer.status.is_none() {
        return Err(SyncError::Imap(FLOODED.into()));
    }
    answer.finish(session, &tag).await?;
    let from = from.or(answer.covered_from(first_uid));
    Ok((answer.uids, rows, from))
}

/// A first sync's first search of a folder of `exists` messages whose newest begin at
/// sequence number `first`: its query, and from which UID up it covers the folder. In a
/// folder of `narrow_from` messages or more (`FetchBounds::narrow_from`), more than the
/// newest, it is of those and any after them by sequence number (RFC 3501 §6.4.4: a
/// sequence set is a search key; `UID SEARCH` answers their UIDs), and the UID it covers
/// from comes with the newest messages' FETCH (`None` here: [`SearchAnswer::covered_from`]);
/// otherwise it is of `range`.
pub(super) fn first_search(
    criteria: &str,
    range: Option<&str>,
    (exists, first): (i64, i64),
    narrow_from: i64,
) -> (String, Option<i64>) {
    if exists >= narrow_from && first > 1 {
        (format!("{first}:* {criteria}"), None)
    } else {
        (query(criteria, range), Some(range_start(range)))
    }
}

/// The sequence number of the first of a folder's newest `count` messages, of `exists`.
pub(super) fn newest_first(exists: i64, count: i64) -> i64 {
    exists.saturating_sub(count).saturating_add(1).max(1)
}

/// Why a first search's answer could not be read: the server sent more than async-imap
/// keeps of what it says on its own while the newest headers were read.
const FLOODED: &str = "the server sent too many unrequested answers during a search";

/// A later run's first search and, with CONDSTORE, the flags changed since `modseq`
/// (RFC 7162), sent together: neither needs the other's answer, so a round trip of the
/// link less. A server may answer them in either order (Dovecot runs them side by side);
/// both answers are read whole, whatever either says, so the session goes on in step.
/// The flags come as their own result: a server that refuses CHANGEDSINCE
/// ([`SyncError::Refused`]) can still be asked for every stored row's flags.
///
/// With `new`, the UID from which the mail is new (the UIDNEXT the last complete run saw),
/// the bytes of each message to ask for and the header fields' limit, that new mail goes
/// out in the same round trip (`UID FETCH from:to`, [`NewMail`]), **found or not** (the
/// caller keeps those its searches find, and not those already stored); a refused FETCH
/// only leaves them to the header pass. Its literals are bounded by the bytes asked for.
pub async fn search_with_flags(
    session: &mut ImapSession,
    criteria: &str,
    range: Option<&str>,
    modseq: i64,
    new: Option<NewFrom>,
) -> Result<(Vec<i64>, Result<Vec<(i64, Flags)>, SyncError>, Vec<NewMail>), SyncError> {
    drop_unsolicited(session);
    let search_tag = session.run_command(command(criteria, range)).await?;
    let flags_command = format!("UID FETCH 1:* {}", changed_since_query(modseq));
    let flags_tag = session.run_command(flags_command).await?;
    let (mut search, mut flags) = (SearchAnswer::default(), FlagsAnswer::default());
    let mut headers = match new {
        Some(NewFrom {
            uid,
            to,
            prefix,
            max_header,
        }) => {
            let limits = session.get_ref().limits();
            session
                .get_mut()
                .limit_next_command(limits.max_response_bytes, prefix);
            let command = format!("UID FETCH {uid}:{to} {}", new_mail_items(prefix));
            let tag = session.run_command(command).await?;
            Some((tag, NewMailAnswer::new(uid, prefix, max_header)))
        }
        None => None,
    };
    let headers_left = |h: &Option<(RequestId, NewMailAnswer)>| {
        h.as_ref()
            .is_some_and(|(_, answer)| answer.status.is_none())
    };
    while search.status.is_none() || flags.status.is_none() || headers_left(&headers) {
        read(session, |response| {
            search.take(response, &search_tag);
            // A header FETCH's answer is not a flag change, whichever ends first.
            if !answers_headers(response) {
                flags.take(response, &flags_tag);
            }
            if let Some((tag, answer)) = &mut headers {
                answer.take(response, tag);
            }
        })
        .await?;
    }
    let found = search.read_rest(session, &search_tag).await?;
    let changed = match flags.status.take().unwrap_or(Ok(())) {
        Ok(()) => Ok(flags.flags),
        Err(refused @ SyncError::Refused(_)) => Err(refused),
        Err(other) => return Err(other),
    };
    let Some((_, mut headers)) = headers else {
        return Ok((found, changed, Vec::new()));
    };
    let mail = match headers.status.take().unwrap_or(Ok(())) {
        Ok(()) => headers.mail,
        Err(SyncError::Refused(_)) => Vec::new(),
        Err(other) => return Err(other),
    };
    Ok((found, changed, mail))
}

/// A later run's new mail as [`search_with_flags`] asks for it: UIDs `uid` to `to` (below
/// the UIDNEXT its EXAMINE told: mail come since is the next run's), the first `prefix`
/// bytes of each message, header fields up to `max_header` bytes kept.
#[derive(Clone, Copy, Debug)]
pub struct NewFrom {
    pub uid: i64,
    pub to: i64,
    pub prefix: u64,
    pub max_header: u64,
}

/// Header rows of the messages from sequence number `first` to the last, one per UID.
async fn newest_headers(
    session: &mut ImapSession,
    first: i64,
    max_header_bytes: u64,
) -> Result<(Vec<HeaderRow>, Option<i64>), SyncError> {
    let limits = session.get_ref().limits();
    session
        .get_mut()
        .limit_next_command(limits.max_response_bytes, max_header_bytes);
    let mut stream = session.fetch(format!("{first}:*"), header_items()).await?;
    let (mut rows, mut seen, mut first_uid) = (Vec::new(), HashSet::new(), None);
    while let Some(f) = stream.try_next().await? {
        // Only the FETCH's own answer (not another client's flag change numbered before
        // an expunge) tells which message is numbered `first` now.
        let answers = f.size.is_some() || f.internal_date().is_some() || f.header().is_some();
        if i64::from(f.message) == first && answers {
            first_uid = first_uid.or(f.uid.map(i64::from));
        }
        // Flags-only answers (another client's changes, or a message answered without
        // its fields) are left to the header pass's own batches.
        let (Some(uid), Some(header)) = (f.uid, f.header()) else {
            continue;
        };
        let uid = i64::from(uid);
        if seen.insert(uid) {
            rows.push(header_row(uid, &f, stored_header(header)));
        }
    }
    Ok((rows, first_uid))
}

/// A search's answer as it is read: the UIDs so far, and its tagged status once read.
#[derive(Default)]
pub(super) struct SearchAnswer {
    pub(super) uids: Vec<i64>,
    pub(super) status: Option<Result<(), SyncError>>,
    /// Messages were expunged (EXPUNGE, VANISHED) while it was read: sequence numbers
    /// before and after may name other messages.
    pub(super) renumbered: bool,
}

impl SearchAnswer {
    /// From which UID up a first search by sequence numbers covered the folder, given the
    /// UID the FETCH's answer told for the first of them: not known where messages were
    /// expunged meanwhile (numbers then name other messages).
    pub(super) fn covered_from(&self, first_uid: Option<i64>) -> Option<i64> {
        first_uid.filter(|_| !self.renumbered)
    }

    /// Takes what of `response` belongs to the search tagged `tag` (its `* SEARCH` lines
    /// where it is the one search in flight); anything else the server says is dropped,
    /// as before every command.
    pub(super) fn take(&mut self, response: &Response<'_>, tag: &RequestId) {
        if matches!(response, Response::Expunge(_) | Response::Vanished { .. }) {
            self.renumbered = true;
        }
        if self.status.is_some() {
            return;
        }
        match response {
            Response::MailboxData(MailboxDatum::Search(found)) => {
                self.uids.extend(found.iter().map(|&uid| i64::from(uid)));
            }
            _ => self.status = done_of(response, tag),
        }
    }

    /// Reads the session up to the search's tagged answer (at once if it was read). A
    /// server may answer pipelined commands out of order (Dovecot runs them side by
    /// side): a FETCH sent after the search may end first.
    async fn read_rest(
        mut self,
        session: &mut ImapSession,
        tag: &RequestId,
    ) -> Result<Vec<i64>, SyncError> {
        self.finish(session, tag).await?;
        Ok(self.uids)
    }

    /// Reads the rest of the answer, to its tagged status (a refusal is the error).
    async fn finish(
        &mut self,
        session: &mut ImapSession,
        tag: &RequestId,
    ) -> Result<(), SyncError> {
        loop {
            if let Some(status) = self.status.take() {
                return status;
            }
            read(session, |response| self.take(response, tag)).await?;
        }
    }
}

/// Reads the session's next response into `take`; the connection's end is an error.
pub(super) async fn read(
    session: &mut ImapSession,
    take: impl FnOnce(&Response<'_>),
) -> Result<(), SyncError> {
    let response = session
        .read_response()
        .await
        .map_err(ImapError::Io)?
        .ok_or(ImapError::ConnectionLost)?;
    take(response.parsed());
    Ok(())
}

/// The command of a search within one of [`search_ranges`].
pub(super) fn command(criteria: &str, range: Option<&str>) -> String {
    format!("UID SEARCH {}", query(criteria, range))
}

pub(super) fn query(criteria: &str, range: Option<&str>) -> String {
    match range {
        Some(uids) => format!("UID {uids} {criteria}"),
        None => criteria.to_owned(),
    }
}

/// The status of `response` if it is the tagged answer of `tag`, as the sync's error, in
/// async-imap's words (what `SyncError` reads a throttle from).
pub(super) fn done_of(response: &Response<'_>, tag: &RequestId) -> Option<Result<(), SyncError>> {
    let Response::Done {
        tag: done,
        status,
        outcome,
    } = response
    else {
        return None;
    };
    if done != tag {
        return None;
    }
    let text = format!(
        "code: {:?}, info: {:?}",
        outcome.code,
        outcome.information.as_deref()
    );
    Some(match status {
        Status::Ok => Ok(()),
        Status::No => Err(ImapError::No(text).into()),
        _ => Err(ImapError::Bad(text).into()),
    })
}

/// Where one of [`search_ranges`] starts (`None`, the whole folder: at UID 1).
pub fn range_start(range: Option<&str>) -> i64 {
    range
        .and_then(|r| r.split(':').next())
        .and_then(|start| start.parse().ok())
        .unwrap_or(1)
}
