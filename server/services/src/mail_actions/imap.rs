//! The IMAP commands of a write-back, on a session logged in by the sync engine: SELECT
//! (read-write), UID STORE, UID MOVE (or UID COPY, `\Deleted` and UID EXPUNGE, or a
//! plain EXPUNGE without UIDPLUS), and the COPYUID answers (RFC 4315) that say which
//! UIDs the moved messages got.

use super::kind::Flag;
use crate::{
    entities::mailbox,
    sync::{SyncEngine, SyncError, fetch::ImapSession, fetch::uid_search, fetch::uid_set},
};
use async_imap::{
    error::Error as ImapError,
    imap_proto::{Response, ResponseCode, Status, rfc4315::UidSetMember},
};
use std::{
    collections::{HashMap, HashSet},
    time::Duration,
};

/// What the server offers that a write-back uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caps {
    /// `MOVE` (RFC 6851).
    pub moves: bool,
    /// `UIDPLUS` (RFC 4315): UID EXPUNGE and COPYUID.
    pub uidplus: bool,
}

/// Where moved messages went, as the server said: its UIDVALIDITY and old → new UID.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Copied {
    pub uidvalidity: i64,
    pub uids: HashMap<i64, i64>,
}

/// The most UID pairs read from one COPYUID (a server cannot make us expand more).
const MAX_PAIRS: usize = 10_000;

/// A session for a write-back (or a draft's copy) and what it offers, from the log-in's
/// answer ([`SyncEngine::log_in_offering`]): no CAPABILITY of its own.
pub async fn log_in(
    engine: &SyncEngine,
    row: &mailbox::Model,
) -> Result<(ImapSession, Caps), SyncError> {
    let (session, offered) = engine.log_in_offering(row).await?;
    let has = |name: &str| offered.iter().any(|c| c.eq_ignore_ascii_case(name));
    let caps = Caps {
        moves: has("MOVE"),
        uidplus: has("UIDPLUS"),
    };
    Ok((session, caps))
}

// Every command below is bounded by `limit`: a silent server is a [`SyncError::Timeout`].

/// SELECTs a folder read-write; its UIDVALIDITY.
pub async fn select(
    session: &mut ImapSession,
    name: &str,
    limit: Duration,
) -> Result<i64, SyncError> {
    let mailbox = tokio::time::timeout(limit, session.select(name))
        .await
        .map_err(|_| SyncError::Timeout)??;
    drop_unsolicited(session);
    Ok(i64::from(mailbox.uid_validity.unwrap_or(0)))
}

/// Sets or clears a flag, `.SILENT` (the next sync reads flags anyway).
pub async fn store(
    session: &mut ImapSession,
    uids: &[i64],
    flag: Flag,
    value: bool,
    limit: Duration,
) -> Result<(), SyncError> {
    let sign = if value { '+' } else { '-' };
    let cmd = format!(
        "UID STORE {} {sign}FLAGS.SILENT ({})",
        uid_set(uids),
        flag.imap()
    );
    command(session, &cmd, limit).await.map(drop)
}

/// Moves messages of the selected folder to `target` with UID MOVE (RFC 6851; only where
/// [`Caps::moves`]). Returns the new UIDs when the server told them.
pub async fn move_to(
    session: &mut ImapSession,
    uids: &[i64],
    target: &str,
    limit: Duration,
) -> Result<Option<Copied>, SyncError> {
    let name = quoted(target)?;
    command(
        session,
        &format!("UID MOVE {} {name}", uid_set(uids)),
        limit,
    )
    .await
}

/// The first half of a move without MOVE: UID COPY to `target` (then [`expunge`] here).
/// Returns the new UIDs when the server told them.
pub async fn copy_to(
    session: &mut ImapSession,
    caps: Caps,
    uids: &[i64],
    target: &str,
    limit: Duration,
) -> Result<Option<Copied>, SyncError> {
    let plan = before_copy(session, caps, uids, target, limit).await?;
    copy(session, &plan, uids, limit).await
}

/// A UID COPY checked and ready to go: the target's name quoted, and where its copies
/// will land (the target's UIDVALIDITY and UIDNEXT, when the server told them).
pub struct CopyPlan {
    name: String,
    pub landing: Option<(i64, i64)>,
}

/// What [`copy`] needs, asked before it: refused here, nothing changed on the server.
/// Without UIDPLUS no other client's `\Deleted` may be in the folder; STATUS tells where
/// the target's next message goes.
pub async fn before_copy(
    session: &mut ImapSession,
    caps: Caps,
    uids: &[i64],
    target: &str,
    limit: Duration,
) -> Result<CopyPlan, SyncError> {
    let name = quoted(target)?;
    only_ours_deleted(session, caps, uids, limit).await?;
    let status = tokio::time::timeout(limit, session.status(target, "(UIDNEXT UIDVALIDITY)"))
        .await
        .map_err(|_| SyncError::Timeout)??;
    drop_unsolicited(session);
    let landing = status
        .uid_validity
        .zip(status.uid_next)
        .map(|(v, n)| (i64::from(v), i64::from(n)));
    Ok(CopyPlan { name, landing })
}

/// UID COPY of messages of the selected folder as [`before_copy`] planned.
pub async fn copy(
    session: &mut ImapSession,
    plan: &CopyPlan,
    uids: &[i64],
    limit: Duration,
) -> Result<Option<Copied>, SyncError> {
    let cmd = format!("UID COPY {} {}", uid_set(uids), plan.name);
    command(session, &cmd, limit).await
}

/// Removes messages of the selected folder for good: `\Deleted`, then UID EXPUNGE of
/// just these (UIDPLUS) or, without it, EXPUNGE.
pub async fn expunge(
    session: &mut ImapSession,
    caps: Caps,
    uids: &[i64],
    limit: Duration,
) -> Result<(), SyncError> {
    only_ours_deleted(session, caps, uids, limit).await?;
    remove(session, caps, uids, limit).await
}

/// `\Deleted`, then UID EXPUNGE or EXPUNGE, once [`only_ours_deleted`] has allowed it.
async fn remove(
    session: &mut ImapSession,
    caps: Caps,
    uids: &[i64],
    limit: Duration,
) -> Result<(), SyncError> {
    let set = uid_set(uids);
    let deleted = format!("UID STORE {set} +FLAGS.SILENT (\\Deleted)");
    command(session, &deleted, limit).await?;
    if caps.uidplus {
        command(session, &format!("UID EXPUNGE {set}"), limit).await?;
    } else {
        command(session, "EXPUNGE", limit).await?;
    }
    Ok(())
}

/// Without UIDPLUS the only removal is a plain EXPUNGE, which also removes every other
/// message of the folder marked `\Deleted` (by another mail client, which may still
/// undelete it): refused, as the server's refusal would be, while there is any.
async fn only_ours_deleted(
    session: &mut ImapSession,
    caps: Caps,
    uids: &[i64],
    limit: Duration,
) -> Result<(), SyncError> {
    if caps.uidplus {
        return Ok(());
    }
    // NOOP first: the search must see marks other clients made since the SELECT.
    tokio::time::timeout(limit, session.noop())
        .await
        .map_err(|_| SyncError::Timeout)??;
    let marked = tokio::time::timeout(limit, uid_search(session, "DELETED"))
        .await
        .map_err(|_| SyncError::Timeout)??;
    drop_unsolicited(session);
    let ours: HashSet<i64> = uids.iter().copied().collect();
    if marked.iter().any(|uid| !ours.contains(uid)) {
        return Err(SyncError::Refused(
            "other messages in this folder are marked deleted by another mail client, and \
             this server (no UIDPLUS) can only remove them together with these"
                .into(),
        ));
    }
    Ok(())
}

/// Runs one command and reads up to its tagged answer, keeping a COPYUID from either an
/// untagged OK (MOVE) or the tagged one (COPY). NO and BAD become [`SyncError`]s the
/// same way the sync's do (throttling told apart).
async fn command(
    session: &mut ImapSession,
    cmd: &str,
    limit: Duration,
) -> Result<Option<Copied>, SyncError> {
    tokio::time::timeout(limit, answer(session, cmd))
        .await
        .map_err(|_| SyncError::Timeout)?
}

async fn answer(session: &mut ImapSession, cmd: &str) -> Result<Option<Copied>, SyncError> {
    drop_unsolicited(session);
    let tag = session.run_command(cmd).await?;
    let mut copied = None;
    loop {
        let Some(answer) = session
            .read_response()
            .await
            .map_err(|e| SyncError::from(ImapError::Io(e)))?
        else {
            return Err(SyncError::Imap("the server closed the connection".into()));
        };
        let (status, outcome, done) = match answer.parsed() {
            Response::Done {
                tag: t,
                status,
                outcome,
            } => (status, outcome, *t == tag),
            Response::Data { status, outcome } => (status, outcome, false),
            _ => continue,
        };
        if let Some(ResponseCode::CopyUid(uidvalidity, from, to)) = &outcome.code {
            copied = Some(pairs(*uidvalidity, from, to));
        }
        if !done {
            continue;
        }
        let text = outcome
            .information
            .as_deref()
            .unwrap_or_default()
            .to_owned();
        return match status {
            Status::Ok => Ok(copied),
            Status::No => Err(ImapError::No(text).into()),
            _ => Err(ImapError::Bad(text).into()),
        };
    }
}

/// COPYUID's two UID sets, paired in order (RFC 4315 §3).
fn pairs(uidvalidity: u32, from: &[UidSetMember], to: &[UidSetMember]) -> Copied {
    Copied {
        uidvalidity: i64::from(uidvalidity),
        uids: expand(from).zip(expand(to)).take(MAX_PAIRS).collect(),
    }
}

fn expand(set: &[UidSetMember]) -> impl Iterator<Item = i64> + '_ {
    set.iter()
        .flat_map(|m| match m {
            UidSetMember::Uid(uid) => *uid..=*uid,
            UidSetMember::UidRange(range) => range.clone(),
        })
        .map(i64::from)
}

/// A folder name as an IMAP quoted string (names come from the server's LIST).
pub(crate) fn quoted(name: &str) -> Result<String, SyncError> {
    if name.contains(['\r', '\n']) {
        return Err(SyncError::Refused("a folder name with a line break".into()));
    }
    Ok(format!(
        "\"{}\"",
        name.replace('\\', "\\\\").replace('"', "\\\"")
    ))
}

/// Answers the server sent on its own are not read by a write-back; dropped so they are
/// not held for the session's life.
fn drop_unsolicited(session: &mut ImapSession) {
    while session.unsolicited_responses.try_recv().is_ok() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copyuid_sets_pair_in_order() {
        let from = [UidSetMember::Uid(4), UidSetMember::UidRange(7..=9)];
        let to = [UidSetMember::UidRange(101..=104)];
        let copied = pairs(55, &from, &to);
        assert_eq!(copied.uidvalidity, 55);
        assert_eq!(
            copied.uids,
            HashMap::from([(4, 101), (7, 102), (8, 103), (9, 104)])
        );
        let huge = [UidSetMember::UidRange(1..=u32::MAX)];
        assert_eq!(pairs(1, &huge, &huge).uids.len(), MAX_PAIRS);
    }

    #[test]
    fn folder_names_are_quoted() {
        assert_eq!(quoted("Archive").ok(), Some("\"Archive\"".into()));
        assert_eq!(quoted("a\"b\\c").ok(), Some("\"a\\\"b\\\\c\"".into()));
        assert!(quoted("x\r\nA1 LOGOUT").is_err());
    }
}
