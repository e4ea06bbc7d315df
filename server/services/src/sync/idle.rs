//! IMAP IDLE on INBOX for Professional mailboxes (beyond the source): new mail shows
//! within seconds between scheduled runs. One connection per watched mailbox, at most
//! `max_connections` per server process; IDLE is re-issued before the 29-minute limit
//! (RFC 2177). Any change the server reports makes the mailbox due and wakes the
//! scheduler; the sync itself still runs through the schedule and its lease.

use super::{SyncEngine, SyncError, SyncWaker, fetch, schedule};
use crate::entities::{mailbox, workspace};
use async_imap::extensions::idle::IdleResponse;
use domain::{MailboxStatus, Plan};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

#[derive(Clone, Debug)]
pub struct IdleConfig {
    pub max_connections: usize,
    /// IDLE is ended and re-issued this often (servers drop it after 30 minutes).
    pub reissue: Duration,
    /// How often the set of watched mailboxes is brought up to date.
    pub rescan: Duration,
    /// Pause after a failed IDLE connection before trying again.
    pub retry: Duration,
}

impl Default for IdleConfig {
    fn default() -> Self {
        IdleConfig {
            max_connections: 20,
            reissue: Duration::from_secs(25 * 60),
            rescan: Duration::from_secs(60),
            retry: Duration::from_secs(60),
        }
    }
}

pub struct IdleWatcher {
    engine: SyncEngine,
    waker: SyncWaker,
    config: IdleConfig,
    watched: Arc<Mutex<HashSet<i64>>>,
}

impl IdleWatcher {
    pub fn new(engine: SyncEngine, waker: SyncWaker, config: IdleConfig) -> Self {
        IdleWatcher {
            engine,
            waker,
            config,
            watched: Arc::default(),
        }
    }

    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                match candidates(&self.engine).await {
                    Ok(ids) => self.watch_new(ids),
                    Err(err) => tracing::warn!(%err, "idle: listing mailboxes failed"),
                }
                tokio::time::sleep(self.config.rescan).await;
            }
        })
    }

    fn watch_new(&self, ids: Vec<i64>) {
        let mut watched = self.watched.lock().unwrap_or_else(|p| p.into_inner());
        for id in ids {
            if watched.len() >= self.config.max_connections {
                break;
            }
            if watched.insert(id) {
                let (engine, waker, config) =
                    (self.engine.clone(), self.waker.clone(), self.config.clone());
                let watched = self.watched.clone();
                tokio::spawn(async move {
                    watch(&engine, &waker, &config, id).await;
                    watched
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&id);
                });
            }
        }
    }
}

/// Professional mailboxes that sync normally, oldest first.
async fn candidates(engine: &SyncEngine) -> Result<Vec<i64>, SyncError> {
    let professional: Vec<i64> = workspace::Entity::find()
        .filter(workspace::Column::Plan.eq(Plan::Professional.as_str()))
        .all(&engine.db)
        .await?
        .into_iter()
        .map(|w| w.id)
        .collect();
    if professional.is_empty() {
        return Ok(Vec::new());
    }
    Ok(mailbox::Entity::find()
        .filter(mailbox::Column::WorkspaceId.is_in(professional))
        .filter(mailbox::Column::Status.is_in([
            MailboxStatus::Ready.as_str(),
            MailboxStatus::Syncing.as_str(),
        ]))
        .order_by_asc(mailbox::Column::Id)
        .all(&engine.db)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect())
}

async fn still_watched(engine: &SyncEngine, id: i64) -> bool {
    candidates(engine).await.is_ok_and(|ids| ids.contains(&id))
}

/// Watches one mailbox until it stops qualifying; reconnects after failures.
async fn watch(engine: &SyncEngine, waker: &SyncWaker, config: &IdleConfig, id: i64) {
    while still_watched(engine, id).await {
        match idle_session(engine, waker, config, id).await {
            Ok(()) => {}
            Err(SyncError::Connect(problem)) if is_auth(&problem) => return,
            Err(err) => {
                tracing::debug!(mailbox = id, error = %err.user_text(), "idle: connection ended");
                tokio::time::sleep(config.retry).await;
            }
        }
    }
}

fn is_auth(problem: &domain::ConnectProblem) -> bool {
    matches!(
        problem,
        domain::ConnectProblem::WrongPassword | domain::ConnectProblem::LoginRefused { .. }
    )
}

/// One connection: IDLE on INBOX, round after round, until the mailbox stops qualifying.
async fn idle_session(
    engine: &SyncEngine,
    waker: &SyncWaker,
    config: &IdleConfig,
    id: i64,
) -> Result<(), SyncError> {
    let Some(row) = mailbox::Entity::find_by_id(id).one(&engine.db).await? else {
        return Ok(());
    };
    let mut session = engine.log_in(&row).await?;
    fetch::examine(&mut session, "INBOX").await?;
    loop {
        let mut idle = session.idle();
        idle.init().await?;
        let changed = {
            let (wait, _stop) = idle.wait_with_timeout(config.reissue);
            // Keep-alives reset the library's timeout; this bounds the whole round.
            match tokio::time::timeout(config.reissue, wait).await {
                Ok(Ok(IdleResponse::NewData(_))) => true,
                Ok(Ok(_)) | Err(_) => false,
                Ok(Err(err)) => return Err(err.into()),
            }
        };
        session = idle.done().await?;
        if changed {
            schedule::sync_now(&engine.db, id).await?;
            waker.wake();
            tracing::debug!(mailbox = id, "idle: new mail, sync woken");
            // Let the burst settle before listening again.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        if !still_watched(engine, id).await {
            session.logout().await.ok();
            return Ok(());
        }
    }
}
