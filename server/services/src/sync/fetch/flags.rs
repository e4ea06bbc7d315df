//! Flags by UID FETCH, read here rather than through async-imap's FETCH stream, which
//! ends at its tagged answer without looking at it: a FETCH the server refused would read
//! as "no flag changed", and with CONDSTORE the run would then remember a HIGHESTMODSEQ
//! past changes it never applied, losing them for good. Here a refusal is an error.

use super::{
    ImapSession, drop_unsolicited, flags_from,
    search::{done_of, read},
    uid_set,
};
use crate::sync::{error::SyncError, store::Flags};
use async_imap::{
    imap_proto::{AttributeValue, RequestId, Response},
    types::Flag,
};

/// Flags of these UIDs, or with `changed_since` (CONDSTORE, RFC 7162) of every message
/// whose flags changed after that mod-sequence.
pub async fn flags(
    session: &mut ImapSession,
    uids: &[i64],
    changed_since: Option<i64>,
) -> Result<Vec<(i64, Flags)>, SyncError> {
    if let Some(modseq) = changed_since {
        return flags_of_set(session, "1:*", &changed_since_query(modseq)).await;
    }
    let mut out = Vec::with_capacity(uids.len());
    for set in flag_sets(uids) {
        out.extend(flags_of_set(session, &set, "(UID FLAGS)").await?);
    }
    Ok(out)
}

/// UIDs per FETCH of flags by UID set: the set of a folder full of gaps stays under
/// 8,000 characters (700 ten-digit UIDs and their commas), the line length RFC 7162 § 4
/// asks every server to accept (a longer line gets BAD, and the folder's flags would
/// never sync again).
const FLAGS_PER_FETCH: usize = 700;

/// `uids` as the sets of successive flag FETCHes.
fn flag_sets(uids: &[i64]) -> Vec<String> {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    sorted.chunks(FLAGS_PER_FETCH).map(uid_set).collect()
}

/// Every answer of the FETCH that carries a UID and its flags; its tagged answer checked.
async fn flags_of_set(
    session: &mut ImapSession,
    set: &str,
    query: &str,
) -> Result<Vec<(i64, Flags)>, SyncError> {
    drop_unsolicited(session);
    let tag = session
        .run_command(format!("UID FETCH {set} {query}"))
        .await?;
    let mut answer = FlagsAnswer::default();
    loop {
        if let Some(status) = answer.status.take() {
            return status.map(|()| answer.flags);
        }
        read(session, |response| answer.take(response, &tag)).await?;
    }
}

/// The items of a CONDSTORE flags FETCH of `1:*`: every message changed after `modseq`.
pub(super) fn changed_since_query(modseq: i64) -> String {
    format!("(UID FLAGS) (CHANGEDSINCE {modseq})")
}

/// A flags FETCH's answer as it is read: the flags so far, and its tagged status once read.
#[derive(Default)]
pub(super) struct FlagsAnswer {
    pub(super) flags: Vec<(i64, Flags)>,
    pub(super) status: Option<Result<(), SyncError>>,
}

impl FlagsAnswer {
    /// Takes a FETCH answer that carries a UID and its flags (one without FLAGS, such as
    /// a bare `MODSEQ`, says nothing of them; one the server sent on its own tells the
    /// message's flags as well), and the tagged answer of `tag`.
    pub(super) fn take(&mut self, response: &Response<'_>, tag: &RequestId) {
        if self.status.is_some() {
            return;
        }
        match response {
            Response::Fetch(_, attributes) => {
                let uid = attributes.iter().find_map(|a| match a {
                    AttributeValue::Uid(uid) => Some(i64::from(*uid)),
                    _ => None,
                });
                let names = attributes.iter().find_map(|a| match a {
                    AttributeValue::Flags(names) => Some(names),
                    _ => None,
                });
                if let (Some(uid), Some(names)) = (uid, names) {
                    let flags = flags_from(names.iter().map(|n| Flag::from(n.as_ref())));
                    self.flags.push((uid, flags));
                }
            }
            _ => self.status = done_of(response, tag),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::flag_sets;

    #[test]
    fn flags_of_a_folder_full_of_gaps_are_fetched_in_short_sets() {
        // Every other UID, ten digits each: one set would be 110,000 characters.
        let uids: Vec<i64> = (0..10_000).map(|n| 4_000_000_000 + 2 * n).rev().collect();
        let sets = flag_sets(&uids);
        assert!(sets.iter().all(|s| s.len() < 8_000), "{:?}", sets[0].len());
        let back: Vec<i64> = sets
            .iter()
            .flat_map(|s| s.split(',').map(|u| u.parse::<i64>().unwrap()))
            .collect();
        let mut want = uids.clone();
        want.sort_unstable();
        assert_eq!(back, want, "every UID, once");
        // Runs stay runs.
        assert_eq!(
            flag_sets(&(1..=5_000).collect::<Vec<_>>()),
            [
                "1:700",
                "701:1400",
                "1401:2100",
                "2101:2800",
                "2801:3500",
                "3501:4200",
                "4201:4900",
                "4901:5000"
            ]
        );
    }
}
