//! The IMAP commands of a sync, on one logged-in session: EXAMINE (read-only, so nothing
//! is ever marked read), UID SEARCH, and UID FETCH of flags, header blocks and whole
//! messages, always with `BODY.PEEK`.

use super::{
    error::SyncError,
    store::{Flags, HeaderRow},
};
use crate::mail::check::Tls;
use async_imap::{Session, types::Fetch, types::Flag};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use std::collections::HashSet;

pub type ImapSession = Session<Tls>;

/// What EXAMINE tells about a folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FolderState {
    pub uidvalidity: i64,
    pub uidnext: Option<i64>,
    pub exists: i64,
    pub highest_modseq: Option<i64>,
}

pub async fn examine(session: &mut ImapSession, name: &str) -> Result<FolderState, SyncError> {
    let mailbox = session.examine(name).await?;
    Ok(FolderState {
        uidvalidity: i64::from(mailbox.uid_validity.unwrap_or(0)),
        uidnext: mailbox.uid_next.map(i64::from),
        exists: i64::from(mailbox.exists),
        highest_modseq: mailbox.highest_modseq.and_then(|m| i64::try_from(m).ok()),
    })
}

/// UIDs matching the criteria (`ALL` or `SINCE 1-Jan-2026`).
pub async fn search(session: &mut ImapSession, criteria: &str) -> Result<HashSet<i64>, SyncError> {
    let uids = session.uid_search(criteria).await?;
    Ok(uids.into_iter().map(i64::from).collect())
}

/// Header blocks, flags, dates and sizes of these UIDs.
pub async fn headers(session: &mut ImapSession, uids: &[i64]) -> Result<Vec<HeaderRow>, SyncError> {
    let fetches: Vec<Fetch> = session
        .uid_fetch(
            uid_set(uids),
            "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER])",
        )
        .await?
        .try_collect()
        .await?;
    Ok(fetches
        .iter()
        .filter_map(|f| {
            let uid = i64::from(f.uid?);
            Some(HeaderRow {
                uid,
                flags: flags_of(f),
                received_at: f
                    .internal_date()
                    .map(|d| d.with_timezone(&Utc))
                    .unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
                size: i64::from(f.size.unwrap_or(0)),
                envelope: super::parse::envelope_or_default(f.header().unwrap_or_default()),
            })
        })
        .collect())
}

/// Flags of these UIDs, or with `changed_since` (CONDSTORE, RFC 7162) of every message
/// whose flags changed after that mod-sequence.
pub async fn flags(
    session: &mut ImapSession,
    uids: &[i64],
    changed_since: Option<i64>,
) -> Result<Vec<(i64, Flags)>, SyncError> {
    let (set, query) = match changed_since {
        Some(modseq) => (
            "1:*".to_owned(),
            format!("(UID FLAGS) (CHANGEDSINCE {modseq})"),
        ),
        None if uids.is_empty() => return Ok(Vec::new()),
        None => (uid_set(uids), "(UID FLAGS)".to_owned()),
    };
    let fetches: Vec<Fetch> = session.uid_fetch(set, query).await?.try_collect().await?;
    Ok(fetches
        .iter()
        .filter_map(|f| Some((i64::from(f.uid?), flags_of(f))))
        .collect())
}

/// Whole messages of these UIDs.
pub async fn bodies(
    session: &mut ImapSession,
    uids: &[i64],
) -> Result<Vec<(i64, Vec<u8>)>, SyncError> {
    let mut stream = session
        .uid_fetch(uid_set(uids), "(UID BODY.PEEK[])")
        .await?;
    let mut out = Vec::with_capacity(uids.len());
    while let Some(f) = stream.try_next().await? {
        if let Some(uid) = f.uid {
            out.push((i64::from(uid), f.body().unwrap_or_default().to_vec()));
        }
    }
    Ok(out)
}

fn flags_of(fetch: &Fetch) -> Flags {
    let mut flags = Flags::default();
    for flag in fetch.flags() {
        match flag {
            Flag::Seen => flags.seen = true,
            Flag::Flagged => flags.flagged = true,
            Flag::Answered => flags.answered = true,
            Flag::Draft => flags.draft = true,
            _ => {}
        }
    }
    flags
}

/// A compact IMAP sequence set: `7,9:12,15`.
pub fn uid_set(uids: &[i64]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::uid_set;

    #[test]
    fn uid_sets_are_compact() {
        assert_eq!(uid_set(&[15, 7, 9, 10, 11, 12]), "7,9:12,15");
        assert_eq!(uid_set(&[1]), "1");
        assert_eq!(uid_set(&[3, 3, 2]), "2:3");
    }
}
