//! A folder's UID ranges after the first searched at once (`folder_search`): one round trip
//! of a link for them all instead of one each.

use super::{
    ImapSession, drop_unsolicited,
    search::{SearchAnswer, command, read},
};
use crate::sync::error::SyncError;
use async_imap::imap_proto::{MailboxDatum, Response};

/// UIDs matching the criteria within each of `ranges` (of [`search_ranges`](super::search_ranges)), every
/// search sent before the first is answered: a link's round trip is paid once, not once a
/// range. `* SEARCH` answers carry no tag (RFC 3501 §7.2.5), so a server that answers
/// pipelined searches side by side leaves unknown which range an answer is of: the UIDs
/// are taken together, once every search's tagged answer has come; a refusal of any is
/// the error. Each answer may take `each` after the one before (as each search of its own
/// could).
pub async fn search_in_ranges(
    session: &mut ImapSession,
    criteria: &str,
    ranges: &[Option<String>],
    each: std::time::Duration,
) -> Result<Vec<i64>, SyncError> {
    drop_unsolicited(session);
    let mut tags = Vec::with_capacity(ranges.len());
    for range in ranges {
        tags.push(
            session
                .run_command(command(criteria, range.as_deref()))
                .await?,
        );
    }
    let mut answers: Vec<SearchAnswer> = tags.iter().map(|_| SearchAnswer::default()).collect();
    let mut uids = Vec::new();
    let mut deadline = tokio::time::Instant::now() + each;
    while answers.iter().any(|a| a.status.is_none()) {
        let done = answers.iter().filter(|a| a.status.is_some()).count();
        let next = read(session, |response| {
            if let Response::MailboxData(MailboxDatum::Search(found)) = response {
                uids.extend(found.iter().map(|&uid| i64::from(uid)));
                return;
            }
            for (answer, tag) in answers.iter_mut().zip(&tags) {
                answer.take(response, tag);
            }
        });
        tokio::time::timeout_at(deadline, next)
            .await
            .map_err(|_| SyncError::Timeout)??;
        if answers.iter().filter(|a| a.status.is_some()).count() > done {
            deadline = tokio::time::Instant::now() + each;
        }
    }
    for answer in answers {
        answer.status.unwrap_or(Ok(()))?;
    }
    Ok(uids)
}
