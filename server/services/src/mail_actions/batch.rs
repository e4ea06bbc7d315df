//! One mailbox's queue, written in order over one IMAP session: runs of the same action
//! on one folder go as one command; a refused command fails its run for good, a broken
//! connection puts the rest off with back-off.

use super::{
    copy_doubt,
    imap::{self, Caps, Copied},
    queue, revert,
    worker::WorkerConfig,
};
use crate::{
    entities::{mailbox, mailbox_folder, message_action::Model as Action},
    error::ServiceResult,
    sync::{SyncEngine, SyncError, SyncWaker, error::is_throttle, fetch::ImapSession, schedule},
};
use chrono::Utc;
use domain::{ConnectProblem, MailboxStatus};
use sea_orm::{DatabaseConnection, EntityTrait};
use std::time::Duration;

/// What a batch runs with; shared by the worker's tasks.
#[derive(Clone)]
pub(super) struct Ctx {
    pub engine: SyncEngine,
    pub sync_waker: SyncWaker,
    pub owner: String,
    pub config: WorkerConfig,
}

/// The most UIDs one command carries.
const GROUP_MAX: usize = 500;

/// How a failed step counts.
enum Failure {
    /// The server refused (a folder gone, a NO): trying again would not help.
    Permanent(String),
    /// The network, a timeout, throttling: tried again later.
    Transient(String),
}

fn classify(err: &SyncError) -> Failure {
    let text = err.user_text();
    let lasting = match err {
        SyncError::Refused(_) => true,
        SyncError::Connect(problem) => match problem {
            ConnectProblem::WrongPassword
            | ConnectProblem::SignInExpired
            | ConnectProblem::AddressNotAllowed
            | ConnectProblem::CertificateNotTrusted { .. } => true,
            ConnectProblem::LoginRefused { server_text } => !is_throttle(server_text),
            _ => false,
        },
        _ => false,
    };
    if lasting {
        Failure::Permanent(text)
    } else {
        Failure::Transient(text)
    }
}

/// Claims and writes the mailbox's queue; never fails (what went wrong is recorded on
/// the write-backs).
pub(super) async fn run(ctx: &Ctx, mailbox_id: i64) {
    let db = &ctx.engine.db;
    let lease = chrono::Duration::from_std(ctx.config.lease).unwrap_or(chrono::Duration::MAX);
    let claimed = match queue::claim(db, mailbox_id, &ctx.owner, Utc::now(), lease).await {
        Ok(claimed) => claimed,
        Err(err) => {
            tracing::warn!(%err, mailbox = mailbox_id, "write-back: claiming failed");
            return;
        }
    };
    if claimed.is_empty() {
        return;
    }
    let written = tokio::time::timeout(ctx.config.batch_deadline, write(ctx, mailbox_id)).await;
    let result = match written {
        Ok(result) => result,
        Err(_) => later(ctx, mailbox_id, "the server did not answer in time").await,
    };
    if let Err(err) = result {
        tracing::warn!(%err, mailbox = mailbox_id, "write-back: recording the outcome failed");
    }
}

async fn write(ctx: &Ctx, mailbox_id: i64) -> ServiceResult<()> {
    let db = &ctx.engine.db;
    let Some(row) = mailbox::Entity::find_by_id(mailbox_id).one(db).await? else {
        return Ok(());
    };
    if row.status == MailboxStatus::NeedsReconnect {
        // Logging in again with a refused password can lock the account.
        let all = queue::claimed(db, mailbox_id, &ctx.owner).await?;
        return give_up(db, &all, "the mailbox needs its new password").await;
    }
    let t = ctx.engine.limits.command_timeout;
    let (mut session, caps) = match imap::log_in(&ctx.engine, &row).await {
        Ok(open) => open,
        Err(err) => {
            return match classify(&err) {
                Failure::Permanent(text) => {
                    let all = queue::claimed(db, mailbox_id, &ctx.owner).await?;
                    give_up(db, &all, &text).await
                }
                Failure::Transient(text) => later(ctx, mailbox_id, &text).await,
            };
        }
    };
    let mut selected = None;
    let mut moved = false;
    let mut usable = true;
    loop {
        let queued = queue::claimed(db, mailbox_id, &ctx.owner).await?;
        let Some(group) = next_group(&queued) else {
            break;
        };
        match step(&mut session, caps, t, db, group, &mut selected).await {
            Ok(Done::Flags) => {}
            Ok(Done::Moved) => moved = true,
            Err(Failure::Permanent(text)) => give_up(db, group, &text).await?,
            Err(Failure::Transient(text)) => {
                usable = false;
                later(ctx, mailbox_id, &text).await?;
                break;
            }
        }
    }
    if usable {
        let _ = tokio::time::timeout(t.min(Duration::from_secs(5)), session.logout()).await;
    }
    if moved {
        // The target folders pick the copies up now, not at the next scheduled run.
        schedule::sync_now(db, mailbox_id).await?;
        ctx.sync_waker.wake_scheduler();
    }
    Ok(())
}

/// The first write-backs of the queue that go as one command: same action, same folder
/// generation, same target, in order.
fn next_group(queued: &[Action]) -> Option<&[Action]> {
    let first = queued.first()?;
    if first.uid <= 0 {
        return Some(&queued[..1]);
    }
    let n = queued
        .iter()
        .take(GROUP_MAX)
        .take_while(|a| {
            a.kind == first.kind
                && a.folder_id == first.folder_id
                && a.uidvalidity == first.uidvalidity
                && a.target_folder_id == first.target_folder_id
                && a.copied == first.copied
                && a.copy_sent == first.copy_sent
                && a.copy_uidnext == first.copy_uidnext
                && a.uid > 0
        })
        .count();
    Some(&queued[..n])
}

enum Done {
    Flags,
    Moved,
}

/// Writes one group and records it as done.
async fn step(
    session: &mut ImapSession,
    caps: Caps,
    t: Duration,
    db: &DatabaseConnection,
    group: &[Action],
    selected: &mut Option<i64>,
) -> Result<Done, Failure> {
    let stored = |err: crate::ServiceError| Failure::Transient(format!("storage: {err}"));
    let first = &group[0];
    if first.uid <= 0 {
        return Err(Failure::Permanent(
            "the message's new place on the server is not known yet; try again after the next sync"
                .into(),
        ));
    }
    let ids: Vec<i64> = group.iter().map(|a| a.id).collect();
    // A copy sent by an earlier attempt and never answered: looked for in the target
    // first (which leaves the target folder examined).
    let doubt = copy_doubt::of(db, group)
        .await
        .map_err(|e| stored(e.into()))?;
    let mut in_target = false;
    if let Some(doubt) = doubt {
        *selected = None;
        in_target = copy_doubt::went_through(session, &doubt, t)
            .await
            .map_err(|e| classify(&e))?;
        if in_target {
            queue::mark_copied(db, &ids).await.map_err(stored)?;
        }
    }
    let folder = mailbox_folder::Entity::find_by_id(first.folder_id)
        .one(db)
        .await
        .map_err(|e| stored(e.into()))?
        .ok_or_else(|| Failure::Permanent("the folder is gone".into()))?;
    if *selected != Some(folder.id) {
        *selected = None;
        let uidvalidity = imap::select(session, &folder.name, t)
            .await
            .map_err(|e| classify(&e))?;
        if uidvalidity != first.uidvalidity {
            return Err(Failure::Permanent(
                "the folder was reset on the server since; the action was not applied".into(),
            ));
        }
        *selected = Some(folder.id);
    }
    let uids: Vec<i64> = group.iter().map(|a| a.uid).collect();
    if let Some((flag, value)) = first.kind.flag() {
        imap::store(session, &uids, flag, value, t)
            .await
            .map_err(|e| classify(&e))?;
        queue::complete(db, &ids).await.map_err(stored)?;
        revert::rewrite_flags(db, group, flag, value)
            .await
            .map_err(stored)?;
        return Ok(Done::Flags);
    }
    let Some(target_id) = first.target_folder_id else {
        imap::expunge(session, caps, &uids, t)
            .await
            .map_err(|e| classify(&e))?;
        queue::complete(db, &ids).await.map_err(stored)?;
        return Ok(Done::Flags);
    };
    let target = mailbox_folder::Entity::find_by_id(target_id)
        .one(db)
        .await
        .map_err(|e| stored(e.into()))?
        .ok_or_else(|| Failure::Permanent("the target folder is gone".into()))?;
    // Copied already (a server that offers MOVE since): only the removal is left.
    let copy_left = !first.copied && !in_target;
    let copied: Option<Copied> = if caps.moves && copy_left {
        imap::move_to(session, &uids, &target.name, t)
            .await
            .map_err(|e| classify(&e))?
    } else {
        copy_then_remove(session, caps, t, db, group, &target.name, copy_left).await?
    };
    for action in group {
        revert::moved(db, action, copied.as_ref(), target.selected)
            .await
            .map_err(stored)?;
    }
    queue::complete(db, &ids).await.map_err(stored)?;
    Ok(Done::Moved)
}

/// A move without MOVE: UID COPY, then the removal here. The copy is recorded on the
/// write-backs twice: `copy_sent` before the command, `copied` after its OK. An attempt
/// broken after the OK (a dropped connection, a timeout) leaves them `copied`, and the
/// next attempt only removes: copying again would put a second copy in the target (and,
/// after a `\Deleted` that went through, one marked deleted). One broken before the OK
/// leaves them `copy_sent` only, and the next attempt looks in the target first
/// ([`copy_doubt`]). `copy_left`: no earlier attempt's copy is known to be there.
async fn copy_then_remove(
    session: &mut ImapSession,
    caps: Caps,
    t: Duration,
    db: &DatabaseConnection,
    group: &[Action],
    target: &str,
    copy_left: bool,
) -> Result<Option<Copied>, Failure> {
    let stored = |e: crate::ServiceError| Failure::Transient(format!("storage: {e}"));
    let uids: Vec<i64> = group.iter().map(|a| a.uid).collect();
    let copied = if !copy_left {
        None
    } else {
        let ids: Vec<i64> = group.iter().map(|a| a.id).collect();
        let plan = imap::before_copy(session, caps, &uids, target, t)
            .await
            .map_err(|e| classify(&e))?;
        queue::mark_copy_sent(db, &ids, plan.landing)
            .await
            .map_err(stored)?;
        match imap::copy(session, &plan, &uids, t).await {
            Ok(copied) => {
                queue::mark_copied(db, &ids).await.map_err(stored)?;
                copied
            }
            Err(err) => {
                let failure = classify(&err);
                if let Failure::Permanent(_) = failure {
                    // Refused: a COPY that fails leaves the target as it was (RFC 3501
                    // §6.4.7), so nothing is in doubt.
                    queue::clear_copy_sent(db, &ids).await.map_err(stored)?;
                }
                return Err(failure);
            }
        }
    };
    match imap::expunge(session, caps, &uids, t).await {
        Ok(()) => Ok(copied),
        Err(err) => Err(match classify(&err) {
            Failure::Permanent(text) => Failure::Permanent(format!(
                "copied to {target}, but the server refused to remove it from here: {text}"
            )),
            transient => transient,
        }),
    }
}

/// The mailbox's remaining write-backs are tried again later (the last attempts fail).
async fn later(ctx: &Ctx, mailbox_id: i64, error: &str) -> ServiceResult<()> {
    let db = &ctx.engine.db;
    let rest = queue::claimed(db, mailbox_id, &ctx.owner).await?;
    let (first, max) = (ctx.config.first_delay, ctx.config.max_delay);
    let last = queue::postpone(db, &rest, error, Utc::now(), ctx.config.max_attempts, |n| {
        crate::retry::backoff(n, first, max)
    })
    .await?;
    if last.is_empty() {
        return Ok(());
    }
    let text = format!(
        "gave up after {} attempts: {error}",
        ctx.config.max_attempts
    );
    give_up(db, &last, &text).await
}

/// Failed for good: the change undone in the app, then shown to the reader (in that
/// order, so a failure the reader sees has always been undone).
async fn give_up(db: &DatabaseConnection, actions: &[Action], error: &str) -> ServiceResult<()> {
    for action in actions {
        revert::undo(db, action).await?;
    }
    queue::fail(db, actions, error, Utc::now()).await?;
    tracing::info!(
        count = actions.len(),
        error,
        "write-back failed; shown to the reader"
    );
    Ok(())
}
