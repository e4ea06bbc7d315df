//! IMAP IDLE on INBOX for Professional mailboxes (beyond the source): new mail shows
//! within seconds between scheduled runs. One connection per watched mailbox, at most
//! `max_connections` per server process; IDLE is re-issued before the 29-minute limit
//! (RFC 2177). Any change the server reports makes the mailbox due and wakes the
//! scheduler; the sync itself still runs through the schedule and its lease.
//!
//! Watching starts at once: the watcher looks for mailboxes to watch when it starts (a
//! restart), whenever this process's [`SyncWaker`] is woken (a mailbox connected, a plan
//! changed) and, for changes made by other processes, every `rescan`. Every IDLE round
//! begins with an EXAMINE whose UIDVALIDITY, UIDNEXT, EXISTS and HIGHESTMODSEQ are
//! compared with what the last sync stored: mail that came while nobody was listening
//! (before the watch started, between rounds, during a reconnect) makes the mailbox due.

use super::{SyncEngine, SyncError, SyncWaker, fetch, schedule};
use crate::entities::{mailbox, mailbox_folder, workspace};
use async_imap::{extensions::idle::IdleResponse, types::UnsolicitedResponse};
use domain::{MailboxStatus, Plan};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::{
    collections::{BTreeMap, HashMap, HashSet},
    time::Duration,
};
use tokio::{
    sync::watch,
    task::{AbortHandle, JoinSet},
};

#[derive(Clone, Debug)]
pub struct IdleConfig {
    pub max_connections: usize,
    /// IDLE is ended and re-issued this often (servers drop it after 30 minutes).
    pub reissue: Duration,
    /// How often the set of watched mailboxes is brought up to date without a wake-up
    /// (mailboxes connected or plans changed through another server process).
    pub rescan: Duration,
    /// Longest pause after a failed IDLE connection (1 s, doubling up to this).
    pub retry: Duration,
    /// Bound on the EXAMINE of each round.
    pub command_timeout: Duration,
}

impl Default for IdleConfig {
    fn default() -> Self {
        IdleConfig {
            max_connections: 20,
            reissue: Duration::from_secs(25 * 60),
            rescan: Duration::from_secs(60),
            retry: Duration::from_secs(60),
            command_timeout: Duration::from_secs(60),
        }
    }
}

/// How many IDLE rounds each mailbox has entered (the server accepted IDLE: from then on
/// it reports new mail). For tests and diagnostics, which wait on it instead of sleeping.
#[derive(Clone, Debug)]
pub struct IdleProbe(watch::Receiver<BTreeMap<i64, u64>>);

impl IdleProbe {
    /// Waits until `mailbox` has entered at least `rounds` IDLE rounds, at most `limit`.
    pub async fn wait_rounds(&self, mailbox: i64, rounds: u64, limit: Duration) -> bool {
        let mut rx = self.0.clone();
        let reached = rx.wait_for(|m| m.get(&mailbox).copied().unwrap_or(0) >= rounds);
        matches!(tokio::time::timeout(limit, reached).await, Ok(Ok(_)))
    }

    /// Rounds entered so far by `mailbox`.
    pub fn rounds(&self, mailbox: i64) -> u64 {
        self.0.borrow().get(&mailbox).copied().unwrap_or(0)
    }
}

pub struct IdleWatcher {
    engine: SyncEngine,
    waker: SyncWaker,
    config: IdleConfig,
    rounds: watch::Sender<BTreeMap<i64, u64>>,
}

/// What one watch needs; cloned into its task.
#[derive(Clone)]
struct Watch {
    engine: SyncEngine,
    waker: SyncWaker,
    config: IdleConfig,
    rounds: watch::Sender<BTreeMap<i64, u64>>,
    id: i64,
}

impl IdleWatcher {
    pub fn new(engine: SyncEngine, waker: SyncWaker, config: IdleConfig) -> Self {
        IdleWatcher {
            engine,
            waker,
            config,
            rounds: watch::channel(BTreeMap::new()).0,
        }
    }

    pub fn probe(&self) -> IdleProbe {
        IdleProbe(self.rounds.subscribe())
    }

    /// Runs until aborted; aborting it ends every watch.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run())
    }

    async fn run(self) {
        let mut watches: JoinSet<()> = JoinSet::new();
        let mut by_mailbox: HashMap<i64, AbortHandle> = HashMap::new();
        let mut by_task: HashMap<tokio::task::Id, i64> = HashMap::new();
        loop {
            match candidates(&self.engine).await {
                Ok(ids) => {
                    let wanted: HashSet<i64> = ids.iter().copied().collect();
                    // Downgraded, disconnected, needs a new password: stop listening now.
                    by_mailbox.retain(|id, handle| {
                        let keep = wanted.contains(id);
                        if !keep {
                            handle.abort();
                        }
                        keep
                    });
                    for id in ids {
                        if by_mailbox.len() >= self.config.max_connections {
                            break;
                        }
                        if by_mailbox.contains_key(&id) {
                            continue;
                        }
                        let watch = Watch {
                            engine: self.engine.clone(),
                            waker: self.waker.clone(),
                            config: self.config.clone(),
                            rounds: self.rounds.clone(),
                            id,
                        };
                        let handle = watches.spawn(watch.run());
                        by_task.insert(handle.id(), id);
                        by_mailbox.insert(id, handle);
                    }
                }
                Err(err) => tracing::warn!(%err, "idle: listing mailboxes failed"),
            }
            tokio::select! {
                Some(ended) = watches.join_next_with_id(), if !watches.is_empty() => {
                    let task = ended.map_or_else(|e| e.id(), |(task, ())| task);
                    if let Some(id) = by_task.remove(&task)
                        && by_mailbox.get(&id).is_some_and(|h| h.id() == task)
                    {
                        by_mailbox.remove(&id);
                    }
                }
                () = self.waker.watcher_woken() => {}
                () = tokio::time::sleep(self.config.rescan) => {}
            }
        }
    }
}

/// Mailboxes of Professional workspaces that sync normally (or are about to): one query,
/// ids only.
fn watchable() -> sea_orm::Select<mailbox::Entity> {
    mailbox::Entity::find()
        .select_only()
        .column(mailbox::Column::Id)
        .filter(
            mailbox::Column::WorkspaceId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(workspace::Column::Id)
                    .from(workspace::Entity)
                    .and_where(workspace::Column::Plan.eq(Plan::Professional))
                    .to_owned(),
            ),
        )
        .filter(mailbox::Column::Status.is_in([
            MailboxStatus::WaitingFirstSync,
            MailboxStatus::Syncing,
            MailboxStatus::Ready,
        ]))
}

/// Every mailbox to watch, oldest first.
async fn candidates(engine: &SyncEngine) -> Result<Vec<i64>, SyncError> {
    Ok(watchable()
        .order_by_asc(mailbox::Column::Id)
        .into_tuple::<i64>()
        .all(&engine.db)
        .await?)
}

impl Watch {
    async fn still_watched(&self) -> bool {
        watchable()
            .filter(mailbox::Column::Id.eq(self.id))
            .into_tuple::<i64>()
            .one(&self.engine.db)
            .await
            .is_ok_and(|found| found.is_some())
    }

    /// Watches one mailbox until it stops qualifying; reconnects after failures.
    async fn run(self) {
        let mut pause = Duration::from_secs(1);
        while self.still_watched().await {
            match self.session(&mut pause).await {
                Ok(()) => return,
                Err(SyncError::Connect(problem)) if is_auth(&problem) => {
                    // Never retry a refused password in a loop (providers lock accounts):
                    // let one scheduled run confirm it ("needs reconnect" ends the watch).
                    tracing::debug!(mailbox = self.id, "idle: login refused");
                    self.make_due().await;
                    tokio::time::sleep(self.config.retry).await;
                }
                Err(err) => {
                    tracing::debug!(mailbox = self.id, error = %err.user_text(), "idle: connection ended");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(self.config.retry.max(Duration::from_secs(1)));
                }
            }
        }
    }

    /// One connection: IDLE on INBOX, round after round, until the mailbox stops qualifying.
    async fn session(&self, pause: &mut Duration) -> Result<(), SyncError> {
        let Some(row) = mailbox::Entity::find_by_id(self.id)
            .one(&self.engine.db)
            .await?
        else {
            return Ok(());
        };
        // The first EXAMINE with the LOGIN, where the server allows it.
        let (mut session, told) = self
            .engine
            .log_in_examining(&row, Some("INBOX"), None)
            .await?;
        let mut told = told.map(|examined| examined.state);
        loop {
            let state = match told.take() {
                Some(state) => state?,
                None => tokio::time::timeout(
                    self.config.command_timeout,
                    fetch::examine(&mut session, "INBOX"),
                )
                .await
                .map_err(|_| SyncError::Timeout)??,
            };
            if self.stored_differs(&state).await? {
                tracing::debug!(mailbox = self.id, "idle: INBOX changed since the last sync");
                self.make_due().await;
            }
            let unsolicited = session.unsolicited_responses.clone();
            while unsolicited.try_recv().is_ok() {}
            let mut idle = session.idle();
            idle.init().await?;
            self.rounds
                .send_modify(|m| *m.entry(self.id).or_default() += 1);
            *pause = Duration::from_secs(1);
            // Mail reported while IDLE was starting went to the unsolicited queue.
            let mut changed = reported_change(|| unsolicited.try_recv().ok());
            if !changed {
                let (wait, _stop) = idle.wait_with_timeout(self.config.reissue);
                // Keep-alives reset the library's timeout; this bounds the whole round.
                changed = match tokio::time::timeout(self.config.reissue, wait).await {
                    Ok(Ok(IdleResponse::NewData(_))) => true,
                    Ok(Ok(_)) | Err(_) => false,
                    Ok(Err(err)) => return Err(err.into()),
                };
            }
            session = idle.done().await?;
            if changed {
                self.make_due().await;
                tracing::debug!(mailbox = self.id, "idle: new mail, sync woken");
            }
            if !self.still_watched().await {
                session.logout().await.ok();
                return Ok(());
            }
        }
    }

    /// Whether INBOX on the server differs from what the last complete sync stored.
    async fn stored_differs(&self, state: &fetch::FolderState) -> Result<bool, SyncError> {
        let inbox = mailbox_folder::Entity::find()
            .filter(mailbox_folder::Column::MailboxId.eq(self.id))
            .filter(mailbox_folder::Column::Name.eq("INBOX"))
            .filter(mailbox_folder::Column::Selected.eq(true))
            .one(&self.engine.db)
            .await?;
        Ok(inbox.is_some_and(|f| {
            f.uidvalidity != Some(state.uidvalidity)
                || f.uidnext != state.uidnext
                || f.highest_modseq != state.highest_modseq
                || f.server_exists.map(i64::from) != Some(state.exists)
        }))
    }

    async fn make_due(&self) {
        match schedule::sync_now(&self.engine.db, self.id).await {
            Ok(true) => self.waker.wake_scheduler(),
            Ok(false) => {}
            Err(err) => {
                tracing::warn!(%err, mailbox = self.id, "idle: making the mailbox due failed")
            }
        }
    }
}

/// Whether the server reported new or removed mail outside a wait (queued by the library).
fn reported_change(mut next: impl FnMut() -> Option<UnsolicitedResponse>) -> bool {
    let mut changed = false;
    while let Some(response) = next() {
        changed |= matches!(
            response,
            UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Expunge(_)
        );
    }
    changed
}

fn is_auth(problem: &domain::ConnectProblem) -> bool {
    matches!(
        problem,
        domain::ConnectProblem::WrongPassword
            | domain::ConnectProblem::SignInExpired
            | domain::ConnectProblem::LoginRefused { .. }
    )
}
