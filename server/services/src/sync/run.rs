//! One sync run of one mailbox: log in once, the header pass over every selected folder
//! (INBOX first), then the body pass over them, then log out. The connection is reused
//! for the whole run and counted against the server host's connection limit. A run ends
//! by its deadline (`FetchBounds::run_deadline`) whatever the server does, so a silent or
//! slow server holds a scheduler slot for a bounded time.

use super::{
    error::SyncError,
    fetch::{self, FolderState, ImapSession},
    folder::{self, FetchBounds, Range},
    progress,
    schedule::Outcome,
    store::Quota,
};
use crate::{
    entities::{mailbox, mailbox_folder},
    mail::{
        credentials,
        login::{CheckOptions, open_session_pipelining},
        tls::MailTrust,
    },
    mail_actions::imap::quoted,
    secrets::MasterKey,
};
use chrono::{DateTime, Duration as Days, Utc};
use domain::{MailboxStatus, SyncPeriod};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
};
use std::{
    collections::HashMap,
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
}

/// At most `per_host` IMAP connections of this process to one server host at a time
/// (Gmail allows about 15 per account; a shared host serves many accounts).
#[derive(Clone)]
struct HostLimits {
    per_host: usize,
    slots: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

impl HostLimits {
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
        }
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
        let _permit = slot
            .acquire_owned()
            .await
            .map_err(|_| SyncError::Imap("host limiter closed".into()))?;
        super::store::forget_unselected(&self.db, row.id).await?;
        let folders = selected_folders(&self.db, row.id).await?;
        let first = folders.first().map(|f| (f.id, f.name.as_str()));
        let (mut session, examined) = self.log_in_examining(&row, first.map(|f| f.1)).await?;
        let examined = first.zip(examined).map(|((id, _), state)| (id, state));
        let result = self.folders(&mut session, &row, folders, examined).await;
        if result.is_ok() {
            clear_resync(&self.db, mailbox_id, row.resync_from).await?;
        }
        // A server that stopped answering would only make LOGOUT wait too.
        if result
            .as_ref()
            .err()
            .is_none_or(SyncError::connection_usable)
        {
            let bound = self.limits.command_timeout.min(LOGOUT_WAIT);
            match tokio::time::timeout(bound, session.logout()).await {
                Ok(Ok(())) => {}
                Ok(Err(err)) => {
                    tracing::debug!(error = %SyncError::from(err).user_text(), "sync: LOGOUT failed")
                }
                Err(_) => tracing::debug!("sync: LOGOUT not answered"),
            }
        }
        result
    }

    /// A logged-in session for the mailbox, for work that needs no CONDSTORE (a
    /// write-back, a body fetched on opening, a Sent copy, a draft): no ENABLE, and no
    /// CAPABILITY where the LOGIN's answer told them, so two round trips of a link fewer
    /// before its first command (docs/benchmarks.md, forty-sixth round). Not counted
    /// against the host limit: callers that need that hold a permit.
    pub async fn log_in(&self, row: &mailbox::Model) -> Result<ImapSession, SyncError> {
        self.log_in_offering(row).await.map(|(session, _)| session)
    }

    /// A session whose first command is an EXAMINE that should tell HIGHESTMODSEQ (a sync
    /// run, an IDLE watch), of `first`, the run's first folder. Where the server allows
    /// it (`open_session_pipelining`: Dovecot does), ENABLE CONDSTORE and that EXAMINE go
    /// out with the LOGIN, a round trip of a link less before the first search
    /// (docs/benchmarks.md, forty-eighth round), and the EXAMINE's answer comes with the
    /// session (a refusal is the folder's). Otherwise, or with no folder, ENABLE CONDSTORE
    /// where offered, sent without waiting for its answer (forty-fifth round): the
    /// caller's EXAMINE reads past that answer (async-imap hands another command's answers
    /// to the session's unsolicited channel, which `fetch` empties before each command).
    /// A refused ENABLE only leaves the session without CONDSTORE: no HIGHESTMODSEQ is
    /// remembered, and flags are compared in full. Not for a session whose first command
    /// waits for a continuation (APPEND, or IDLE at once): ENABLE's answer would come first.
    pub async fn log_in_examining(
        &self,
        row: &mailbox::Model,
        first: Option<&str>,
    ) -> Result<(ImapSession, Option<Result<FolderState, SyncError>>), SyncError> {
        let lines = match first.map(quoted) {
            Some(Ok(name)) => fetch::examine_lines(&name),
            _ => String::new(),
        };
        let (mut session, caps, sent) = self.log_in_with(row, &lines).await?;
        if !sent {
            self.enable_condstore(&mut session, &caps).await?;
            return Ok((session, None));
        }
        let answer =
            tokio::time::timeout(self.limits.command_timeout, fetch::examined(&mut session));
        let state = answer.await.map_err(|_| SyncError::Timeout)??;
        Ok((session, Some(state)))
    }

    /// ENABLE CONDSTORE where offered, sent without waiting for its answer (see
    /// [`SyncEngine::log_in_examining`]).
    async fn enable_condstore(
        &self,
        session: &mut ImapSession,
        caps: &[String],
    ) -> Result<(), SyncError> {
        let offered = |name: &str| caps.iter().any(|c| c == name);
        if offered("CONDSTORE") && offered("ENABLE") {
            tokio::time::timeout(
                self.limits.command_timeout,
                session.run_command("ENABLE CONDSTORE"),
            )
            .await
            .map_err(|_| SyncError::Timeout)??;
        }
        Ok(())
    }

    /// [`SyncEngine::log_in`], and what the server offers once logged in (capability
    /// names, upper case): a write-back asks no CAPABILITY of its own.
    pub async fn log_in_offering(
        &self,
        row: &mailbox::Model,
    ) -> Result<(ImapSession, Vec<String>), SyncError> {
        let (session, caps, _) = self.log_in_with(row, "").await?;
        Ok((session, caps))
    }

    /// [`SyncEngine::log_in_offering`], with `lines` sent behind the LOGIN where the
    /// server allows it (`open_session_pipelining`), and whether they were.
    async fn log_in_with(
        &self,
        row: &mailbox::Model,
        lines: &str,
    ) -> Result<(ImapSession, Vec<String>, bool), SyncError> {
        let login = credentials::imap_login(self.keys(), row)
            .await
            .map_err(SyncError::Connect)?;
        let opts = CheckOptions {
            trust: self.trust.clone(),
            timeout: self.connect_timeout,
        };
        let opts = &opts;
        let open = |login| async move {
            tokio::time::timeout(
                self.connect_timeout,
                open_session_pipelining(
                    &row.imap_server(),
                    &login,
                    opts,
                    self.limits.stream(),
                    lines,
                ),
            )
            .await
            .map_err(|_| SyncError::Connect(domain::ConnectProblem::Timeout))?
            .map_err(SyncError::Connect)
        };
        match open(login.clone()).await {
            // A token refused before its time: one refresh and one more try.
            Err(SyncError::Connect(domain::ConnectProblem::SignInExpired)) => {
                match credentials::login_after_refusal(self.keys(), row, &login).await {
                    Some(fresh) => open(fresh.map_err(SyncError::Connect)?).await,
                    None => Err(SyncError::Connect(domain::ConnectProblem::SignInExpired)),
                }
            }
            other => other,
        }
    }

    /// What a login needs to open the mailbox's secrets or its OAuth2 grant.
    pub fn keys(&self) -> crate::oauth::tokens::Keys<'_> {
        crate::oauth::tokens::Keys {
            db: &self.db,
            master_key: &self.master_key,
            oauth: &self.oauth,
        }
    }

    /// The header pass over `folders`, then their body pass; `examined`: the first
    /// folder's EXAMINE answer, where it came with the LOGIN.
    async fn folders(
        &self,
        session: &mut ImapSession,
        row: &mailbox::Model,
        folders: Vec<mailbox_folder::Model>,
        mut examined: Option<(i64, Result<FolderState, SyncError>)>,
    ) -> Result<(), SyncError> {
        let range = range_of(row, Utc::now());
        let quota = Quota::load(&self.db, row.id, self.limits.mailbox_quota_bytes).await?;
        let mut done = Vec::new();
        // The folder the session has selected: the last one examined, if that succeeded
        // (a refused EXAMINE leaves none selected, RFC 3501 §6.3.1).
        let mut selected = None;
        for folder in folders {
            let whole_rest = !quota.is_full();
            let told = examined.take_if(|(id, _)| *id == folder.id).map(|e| e.1);
            let (db, limits) = (&self.db, &self.limits);
            let pass = folder::header_pass(session, db, &folder, &range, limits, whole_rest, told);
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
/// waits for (a body on opening, a Sent copy, a draft) is a round trip sooner. Not for a
/// sync run, whose connection counts against the host limit until it is closed.
pub fn log_out_later(mut session: ImapSession) {
    tokio::spawn(async move {
        let _ = tokio::time::timeout(LOGOUT_WAIT, session.logout()).await;
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
