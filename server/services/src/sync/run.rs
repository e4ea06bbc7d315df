//! One sync run of one mailbox: log in once, the header pass over every selected folder
//! (INBOX first), then the body pass over them, then log out. The connection is reused
//! for the whole run and counted against the server host's connection limit. A run ends
//! by its deadline (`FetchBounds::run_deadline`) whatever the server does, so a silent or
//! slow server holds a scheduler slot for a bounded time.

use super::{
    error::SyncError,
    fetch::{Ahead, ImapSession},
    folder::{self, FetchBounds, Range},
    log_in::Examined,
    progress,
    schedule::Outcome,
    store::Quota,
};
use crate::{
    entities::{mailbox, mailbox_folder},
    mail::{login::take_inbox_seen, tls::MailTrust},
    secrets::MasterKey,
};
use chrono::{DateTime, Duration as Days, Utc};
use domain::{MailboxStatus, SyncPeriod};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
};
use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::Semaphore;

/// Everything a run needs; cheap to clone, shared by the scheduler's tasks.
#[derive(Clone)]
pub struct SyncEngine {
    pub db: DatabaseConnection,
    pub master_key: MasterKey,
    pub trust: MailTrust,
    /// Bound on connecting and logging in.
    pub connect_timeout: Duration,
    pub limits: FetchBounds,
    /// Access tokens of OAuth2 mailboxes.
    pub oauth: crate::oauth::OAuth,
    hosts: HostLimits,
    /// Hosts (lower case) whose pipelined lines after a LOGIN went unanswered in this
    /// process: their sessions log in without them (`log_in_examining`).
    pub(super) unpipelined: Arc<Mutex<HashSet<String>>>,
}

/// At most `per_host` IMAP connections of this process to one server host at a time
/// (Gmail allows about 15 per account; a shared host serves many accounts).
#[derive(Clone)]
struct HostLimits {
    per_host: usize,
    slots: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

impl HostLimits {
    /// This process's IMAP connections of sync runs to `host` now.
    fn in_use(&self, host: &str) -> usize {
        let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.get(&host.to_ascii_lowercase()).map_or(0, |slot| {
            self.per_host
                .max(1)
                .saturating_sub(slot.available_permits())
        })
    }

    fn slot(&self, host: &str) -> Arc<Semaphore> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots
            .entry(host.to_ascii_lowercase())
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_host.max(1))))
            .clone()
    }
}

impl SyncEngine {
    pub fn new(
        db: DatabaseConnection,
        master_key: MasterKey,
        trust: MailTrust,
        connections_per_host: usize,
    ) -> Self {
        SyncEngine {
            db,
            master_key,
            trust,
            connect_timeout: Duration::from_secs(30),
            limits: FetchBounds::default(),
            oauth: crate::oauth::OAuth::default(),
            hosts: HostLimits {
                per_host: connections_per_host,
                slots: Arc::default(),
            },
            unpipelined: Arc::default(),
        }
    }

    /// Sync runs' IMAP connections of this process to `host` now (open, or closing after
    /// their LOGOUT), out of the per-host limit.
    pub fn connections_to(&self, host: &str) -> usize {
        self.hosts.in_use(host)
    }

    /// Syncs one mailbox and says how it went, by the run's deadline; never panics,
    /// never returns early without an outcome for the schedule.
    pub async fn sync_mailbox(&self, mailbox_id: i64) -> Outcome {
        let run = tokio::time::timeout(self.limits.run_deadline, self.try_sync(mailbox_id));
        let result = run.await;
        // Automatic CRM links for what the run stored (all of it, or as far as it got);
        // a failure there is logged and never fails the sync.
        crate::crm::auto::link_after_store(&self.db, mailbox_id).await;
        let err = match result {
            Ok(Ok(())) => return Outcome::Synced,
            Ok(Err(err)) => err,
            Err(_) => SyncError::Deadline,
        };
        tracing::warn!(mailbox = mailbox_id, error = %err.user_text(), "sync run failed");
        err.outcome()
    }

    async fn try_sync(&self, mailbox_id: i64) -> Result<(), SyncError> {
        let Some(row) = mailbox::Entity::find_by_id(mailbox_id)
            .one(&self.db)
            .await?
        else {
            return Ok(());
        };
        mark_syncing(&self.db, mailbox_id).await?;
        let slot = self.hosts.slot(&row.imap_host);
        let permit = slot
            .acquire_owned()
            .await
            .map_err(|_| SyncError::Imap("host limiter closed".into()))?;
        super::store::forget_unselected(&self.db, row.id).await?;
        let folders = selected_folders(&self.db, row.id).await?;
        let range = range_of(&row, Utc::now());
        let ahead = folders.first().and_then(|f| self.ahead(&row, f, &range));
        let first = folders.first().map(|f| (f.id, f.name.as_str()));
        let (mut session, examined) = self
            .log_in_examining(&row, first.map(|f| f.1), ahead.as_ref())
            .await?;
        let examined = first
            .zip(examined)
            .map(|((id, _), examined)| (id, examined));
        let result = self
            .folders(&mut session, &row, folders, &range, examined)
            .await;
        if result.is_ok() {
            clear_resync(&self.db, mailbox_id, row.resync_from).await?;
        }
        // A server that stopped answering would only make LOGOUT wait too: the connection
        // is then dropped here, and its slot with it.
        if result
            .as_ref()
            .err()
            .is_none_or(SyncError::connection_usable)
        {
            let bound = self.limits.command_timeout.min(LOGOUT_WAIT);
            log_out_holding(session, permit, bound);
        }
        result
    }

    /// What a first sync of INBOX asks with its EXAMINE: where nothing of the folder was
    /// ever remembered and the wizard's check saw it (taken once; `fetch::Ahead`).
    fn ahead(
        &self,
        row: &mailbox::Model,
        first: &mailbox_folder::Model,
        range: &Range,
    ) -> Option<Ahead> {
        if first.uidvalidity.is_some() || !first.name.eq_ignore_ascii_case("INBOX") {
            return None;
        }
        let seen = take_inbox_seen(&row.imap_server(), &row.imap_username)?;
        let (range_uids, count) = (self.limits.search_range, self.limits.first());
        let narrow_from = self.limits.narrow_from;
        Some(Ahead::new(
            &range.criteria,
            seen,
            range_uids,
            (count, narrow_from),
        ))
    }

    /// The header pass over `folders`, then their body pass; `examined`: the first
    /// folder's EXAMINE answer (and what went with it), where it came with the LOGIN.
    async fn folders(
        &self,
        session: &mut ImapSession,
        row: &mailbox::Model,
        folders: Vec<mailbox_folder::Model>,
        range: &Range,
        mut examined: Option<(i64, Examined)>,
    ) -> Result<(), SyncError> {
        let quota = Quota::load(&self.db, row.id, self.limits.mailbox_quota_bytes).await?;
        let mut done = Vec::new();
        // The folder the session has selected: the last one examined, if that succeeded
        // (a refused EXAMINE leaves none selected, RFC 3501 §6.3.1).
        let mut selected = None;
        for folder in folders {
            let told = examined.take_if(|(id, _)| *id == folder.id).map(|e| e.1);
            let (db, limits) = (&self.db, &self.limits);
            let pass = folder::header_pass(session, db, &folder, range, limits, &quota, told);
            selected = None;
            match pass.await {
                Ok(pass) => {
                    selected = Some(folder.id);
                    done.push((folder.id, pass));
                }
                // The folder is gone or unreadable on the server: note it, sync the rest.
                Err(err @ SyncError::Refused(_)) => {
                    progress::folder_error(&self.db, folder.id, &err.user_text()).await?;
                }
                Err(err) => return Err(err),
            }
        }
        for (folder_id, pass) in done {
            let Some(folder) = mailbox_folder::Entity::find_by_id(folder_id)
                .one(&self.db)
                .await?
            else {
                continue;
            };
            let pass = folder::body_pass(
                session,
                &self.db,
                &folder,
                pass,
                &self.limits,
                &quota,
                &mut selected,
            );
            pass.await?;
        }
        Ok(())
    }
}

/// How long a LOGOUT may take at the end of a run, or after other work.
const LOGOUT_WAIT: Duration = Duration::from_secs(5);

/// Ends a session whose work is done without waiting for the server's answer: LOGOUT
/// goes out and is read on a task of its own, bounded by [`LOGOUT_WAIT`], so what a user
/// waits for (a body on opening, a Sent copy, a draft) is a round trip sooner.
pub fn log_out_later(session: ImapSession) {
    log_out_holding(session, (), LOGOUT_WAIT);
}

/// [`log_out_later`] for a session that holds `slot` (a sync run's place under its host's
/// connection limit): the slot is let go once the connection is closed, so a run is done
/// (its mail stored, its outcome told) a round trip sooner and the host never sees more
/// connections at once than the limit. The LOGOUT waits at most `bound`.
fn log_out_holding<S: Send + 'static>(mut session: ImapSession, slot: S, bound: Duration) {
    tokio::spawn(async move {
        match tokio::time::timeout(bound, session.logout()).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => {
                tracing::debug!(error = %SyncError::from(err).user_text(), "sync: LOGOUT failed")
            }
            Err(_) => tracing::debug!("sync: LOGOUT not answered"),
        }
        drop(session);
        drop(slot);
    });
}

/// The selected folders of a mailbox in the order they were listed (INBOX first).
async fn selected_folders(
    db: &DatabaseConnection,
    mailbox_id: i64,
) -> Result<Vec<mailbox_folder::Model>, SyncError> {
    Ok(mailbox_folder::Entity::find()
        .filter(mailbox_folder::Column::MailboxId.eq(mailbox_id))
        .filter(mailbox_folder::Column::Selected.eq(true))
        .order_by_asc(mailbox_folder::Column::Id)
        .all(db)
        .await?)
}

/// The `UID SEARCH` range of a mailbox's period, as of `now`.
pub fn range_of(row: &mailbox::Model, now: DateTime<Utc>) -> Range {
    let period: SyncPeriod = row.period;
    let since = now - Days::days(i64::from(period.days()));
    Range {
        // RFC 3501 date: 1-Jan-2026 (English month names whatever the locale).
        criteria: format!("SINCE {}", since.format("%-d-%b-%Y")),
        code: period.as_str().to_owned(),
        resync_from: row.resync_from,
    }
}

async fn mark_syncing(db: &DatabaseConnection, mailbox_id: i64) -> Result<(), SyncError> {
    mailbox::Entity::update_many()
        .col_expr(
            mailbox::Column::Status,
            Expr::value(MailboxStatus::Syncing.as_str()),
        )
        .filter(mailbox::Column::Id.eq(mailbox_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A Re-sync request done: cleared only if it is still the one this run started with (one
/// made during the run gets a run of its own).
async fn clear_resync(
    db: &DatabaseConnection,
    mailbox_id: i64,
    started_with: Option<DateTime<Utc>>,
) -> Result<(), SyncError> {
    let Some(from) = started_with else {
        return Ok(());
    };
    mailbox::Entity::update_many()
        .col_expr(
            mailbox::Column::ResyncFrom,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(mailbox::Column::Id.eq(mailbox_id))
        .filter(mailbox::Column::ResyncFrom.eq(from))
        .exec(db)
        .await?;
    Ok(())
}
