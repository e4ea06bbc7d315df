//! The send worker: a background task beside the sync scheduler that sends queued drafts
//! when their undo-send delay (or retry wait) is over. It wakes when a draft is queued or
//! taken back ([`SendWaker`]), when the next one falls due, or every poll interval
//! (drafts queued by other processes on the same database). Everything it knows is in the
//! `drafts` rows, so a restart loses nothing: a queued draft is sent by whichever process
//! runs next, a claim of a crashed process is taken over when its lease runs out.
//!
//! Retries are kept in the rows (`attempts`, `send_at`), doubling from `first_delay`, like
//! the write-back worker's; an in-process retry crate could not keep them across restarts.

use super::{
    SendWaker, addresses, attachments,
    mime::{self, Outgoing},
    outbox::{self, End, PHASE_CONNECT, PHASE_DATA},
    sent_copy, server_drafts,
    smtp::{self, Attempt, Limits},
};
use crate::{
    accounts::Actor,
    entities::{draft, mailbox},
    mail::login::{CheckOptions, Login, open_smtp},
    mailboxes::readable,
    sync::SyncEngine,
};
use chrono::Utc;
use domain::{ConnectProblem, SendFailure, SendProblem, SendState, Timestamp};
use lettre::message::Mailbox as Named;
use sea_orm::EntityTrait;
use std::{collections::HashMap, sync::Arc, time::Duration};
use tokio::{sync::watch, task::JoinSet};

#[derive(Clone, Debug)]
pub struct SendConfig {
    /// Automatic attempts for transient problems before a draft fails and waits for the user.
    pub max_attempts: u32,
    /// The wait after the first transient failure; each further one doubles it.
    pub first_delay: Duration,
    /// Longest sleep between looks at the database (other processes' drafts).
    pub poll: Duration,
    /// Drafts sent at once by this process.
    pub concurrency: usize,
    /// How long a claim holds: how soon a crashed process's sends are taken over.
    pub lease: Duration,
    /// Bound on one SMTP command; the message itself gets `message_limit`.
    pub command_limit: Duration,
    pub message_limit: Duration,
    /// On shutdown, how long running attempts may take to finish.
    pub shutdown_grace: Duration,
    /// How long after the last save a draft is copied to the server's Drafts folder.
    pub server_draft_quiet: Duration,
}

impl Default for SendConfig {
    fn default() -> Self {
        SendConfig {
            max_attempts: 4,
            first_delay: Duration::from_secs(30),
            poll: Duration::from_secs(30),
            concurrency: 4,
            lease: Duration::from_secs(5 * 60),
            command_limit: Duration::from_secs(60),
            message_limit: Duration::from_secs(3 * 60),
            shutdown_grace: Duration::from_secs(10),
            server_draft_quiet: Duration::from_secs(5),
        }
    }
}

#[derive(Clone)]
struct Ctx {
    engine: Arc<SyncEngine>,
    owner: String,
    config: SendConfig,
}

pub struct SendWorker {
    ctx: Ctx,
    waker: SendWaker,
}

/// Stops the worker: [`SendWorkerHandle::shutdown`].
pub struct SendWorkerHandle {
    task: tokio::task::JoinHandle<()>,
    stop: watch::Sender<bool>,
}

impl SendWorker {
    /// Sends with `engine`'s database, key and trust (address policy, TLS roots); `owner`
    /// names this process in claims (unique per process).
    pub fn new(engine: SyncEngine, waker: SendWaker, owner: String, config: SendConfig) -> Self {
        SendWorker {
            ctx: Ctx {
                engine: Arc::new(engine),
                owner,
                config,
            },
            waker,
        }
    }

    pub fn spawn(self) -> SendWorkerHandle {
        let (stop, stopped) = watch::channel(false);
        SendWorkerHandle {
            task: tokio::spawn(self.run(stopped)),
            stop,
        }
    }

    async fn run(self, mut stopped: watch::Receiver<bool>) {
        let config = &self.ctx.config;
        let db = &self.ctx.engine.db;
        let mut tasks: JoinSet<()> = JoinSet::new();
        let mut running: HashMap<tokio::task::Id, i64> = HashMap::new();
        let mut stop_open = true;
        // The one Drafts-folder pass of this process, while it runs.
        let mut copying: Option<tokio::task::Id> = None;
        loop {
            if *stopped.borrow() {
                break;
            }
            let free = config.concurrency.max(1).saturating_sub(running.len());
            if free > 0 {
                let busy: Vec<i64> = running.values().copied().collect();
                match outbox::claim_due(db, &self.ctx.owner, config.lease, free, &busy).await {
                    Ok(claimed) => {
                        for row in claimed {
                            let ctx = self.ctx.clone();
                            let id = row.id;
                            let handle = tasks.spawn(async move { attempt(&ctx, row).await });
                            running.insert(handle.id(), id);
                        }
                    }
                    Err(err) => tracing::warn!(%err, "send worker: reading the outbox failed"),
                }
            }
            if copying.is_none() && self.copies_due().await {
                let engine = self.ctx.engine.clone();
                let quiet = config.server_draft_quiet;
                let pause = config.poll;
                let handle = tasks.spawn(async move {
                    let failed = server_drafts::pass(&engine, quiet)
                        .await
                        .unwrap_or_else(|err| {
                            tracing::warn!(%err, "server Drafts pass failed");
                            1
                        });
                    if failed > 0 {
                        // A server that refused now is not asked again at once: the pass
                        // keeps its slot for a poll interval.
                        tokio::time::sleep(pause).await;
                    }
                });
                copying = Some(handle.id());
            }
            let sleep = self
                .sleep_for(copying.is_some())
                .await
                .max(Duration::from_millis(5));
            tokio::select! {
                Some(done) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                    let id = match done {
                        Ok((id, ())) => id,
                        Err(err) => {
                            tracing::warn!(%err, "send worker: an attempt stopped");
                            err.id()
                        }
                    };
                    running.remove(&id);
                    if copying == Some(id) {
                        copying = None;
                    }
                }
                () = self.waker.woken() => {}
                () = tokio::time::sleep(sleep) => {}
                changed = stopped.changed(), if stop_open => stop_open = changed.is_ok(),
            }
        }
        let grace = tokio::time::sleep(config.shutdown_grace);
        tokio::pin!(grace);
        while !tasks.is_empty() {
            tokio::select! {
                _ = tasks.join_next() => {}
                () = &mut grace => {
                    tasks.abort_all();
                    while tasks.join_next().await.is_some() {}
                }
            }
        }
        if let Err(err) = outbox::release(db, &self.ctx.owner).await {
            tracing::warn!(%err, "send worker: giving the claims back failed");
        }
    }

    /// Until the next draft (or Drafts-folder copy) falls due, at most the poll interval.
    async fn sleep_for(&self, copying: bool) -> Duration {
        let now = Utc::now();
        let db = &self.ctx.engine.db;
        let due = outbox::next_due(db).await.unwrap_or_else(|err| {
            tracing::warn!(%err, "send worker: reading the next due time failed");
            None
        });
        let copy = if copying {
            None
        } else {
            server_drafts::next_due(db, self.ctx.config.server_draft_quiet)
                .await
                .unwrap_or(None)
        };
        let poll = self.ctx.config.poll;
        [due, copy]
            .into_iter()
            .flatten()
            .min()
            .map_or(poll, |at| (at - now).to_std().unwrap_or_default().min(poll))
    }

    async fn copies_due(&self) -> bool {
        let db = &self.ctx.engine.db;
        match server_drafts::next_due(db, self.ctx.config.server_draft_quiet).await {
            Ok(Some(at)) => at <= Utc::now(),
            Ok(None) => false,
            Err(err) => {
                tracing::warn!(%err, "send worker: reading the Drafts copies failed");
                false
            }
        }
    }
}

impl SendWorkerHandle {
    /// The clean stop: nothing new is claimed, running attempts get the grace to finish,
    /// the rest are cancelled and their claims given back.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(err) = self.task.await
            && err.is_panic()
        {
            tracing::warn!(%err, "send worker stopped by a panic");
        }
    }
}

/// One claimed draft: sent, or why not.
async fn attempt(ctx: &Ctx, row: draft::Model) {
    let id = row.id;
    let end = match run(ctx, &row).await {
        Ok(end) => end,
        Err(problem) => stopped(SendState::Failed, problem, Vec::new()),
    };
    let label = match &end {
        End::Sent { .. } => "sent",
        End::Stopped { state, .. } => state.as_str(),
        End::Retry { .. } => "retry",
    };
    tracing::info!(
        draft = id,
        attempts = row.attempts,
        outcome = label,
        "send attempt"
    );
    if let Err(err) = outbox::finish(&ctx.engine.db, id, &ctx.owner, end).await {
        tracing::warn!(draft = id, %err, "send worker: writing the outcome failed");
    }
}

fn stopped(
    state: SendState,
    problem: SendProblem,
    recipients: Vec<domain::RecipientProblem>,
) -> End {
    End::Stopped {
        state,
        failure: SendFailure {
            problem,
            recipients,
            at: Timestamp(Utc::now().timestamp()),
            retry_at: None,
        },
    }
}

async fn run(ctx: &Ctx, row: &draft::Model) -> Result<End, SendProblem> {
    let db = &ctx.engine.db;
    let internal = |what: &str| SendProblem::ServerRefused {
        server_text: format!("internal error: {what}"),
    };
    let mailbox = mailbox::Entity::find_by_id(row.mailbox_id)
        .one(db)
        .await
        .map_err(|_| internal("storage"))?
        .ok_or(SendProblem::NotAllowed)?;
    // The author must still be allowed to send from this mailbox (a grant may be gone).
    let author = Actor::load(db, row.author_id)
        .await
        .map_err(|_| SendProblem::NotAllowed)?;
    if author.workspace_id != row.workspace_id {
        return Err(SendProblem::NotAllowed);
    }
    readable(db, &author, row.mailbox_id)
        .await
        .map_err(|_| SendProblem::NotAllowed)?;
    if row.phase.as_deref() == Some(PHASE_DATA) {
        // Taken over from a process that stopped while handing the message over.
        return Ok(unconfirmed(ctx, &mailbox, row).await);
    }
    outbox::set_phase(db, row.id, &ctx.owner, PHASE_CONNECT)
        .await
        .map_err(|_| internal("storage"))?;
    let outgoing = outgoing(ctx, row, &mailbox).await?;
    let raw = mime::build(&outgoing).map_err(|e| internal(&e))?;
    let recipients = mime::envelope_recipients(&outgoing);
    let password = ctx
        .engine
        .master_key
        .open(&mailbox.smtp_secret)
        .map_err(|_| internal("stored password"))?;
    let login = Login::new(mailbox.smtp_username.clone(), password);
    let opts = CheckOptions {
        trust: ctx.engine.trust.clone(),
        timeout: ctx.config.command_limit,
    };
    let mut conn = match open_smtp(&mailbox.smtp_server(), &login, &opts).await {
        Ok(conn) => conn,
        Err(problem) => return Ok(connect_failure(ctx, row, problem)),
    };
    let limits = Limits {
        command: ctx.config.command_limit,
        message: ctx.config.message_limit,
    };
    let handing_over = async {
        match outbox::set_phase(db, row.id, &ctx.owner, PHASE_DATA).await {
            Ok(true) => Ok(()),
            Ok(false) => Err("the draft was taken over".to_owned()),
            Err(err) => Err(err.to_string()),
        }
    };
    let from = outgoing.from.email.clone();
    let result = smtp::deliver(&mut conn, &from, &recipients, &raw, limits, handing_over).await;
    // On a broken connection this fails at once.
    let _ = tokio::time::timeout(ctx.config.command_limit, conn.quit()).await;
    Ok(match result {
        Attempt::Delivered => {
            let sent_copy =
                match sent_copy::file_copy(&ctx.engine, &mailbox, &row.message_id, &raw).await {
                    Ok(state) => state,
                    Err(err) => {
                        tracing::warn!(draft = row.id, %err, "sent, but the copy in Sent failed");
                        "failed"
                    }
                };
            End::Sent { sent_copy }
        }
        Attempt::Refused {
            problem,
            recipients,
        } => stopped(SendState::Failed, problem, recipients),
        Attempt::Transient(problem) => retry(ctx, row, problem),
        Attempt::Uncertain(detail) => {
            tracing::warn!(draft = row.id, %detail, "send cut while handing the message over");
            unconfirmed(ctx, &mailbox, row).await
        }
    })
}

/// The message as it goes out.
async fn outgoing(
    ctx: &Ctx,
    row: &draft::Model,
    mailbox: &mailbox::Model,
) -> Result<Outgoing, SendProblem> {
    let list = |text: &str| {
        addresses::parse_list(text).map_err(|address| SendProblem::BadAddress { address })
    };
    let email = mailbox.email.parse().map_err(|_| SendProblem::BadAddress {
        address: mailbox.email.clone(),
    })?;
    let name = mailbox.sender_name.trim();
    let from = Named::new((!name.is_empty()).then(|| name.to_owned()), email);
    let attachments = attachments::for_sending(&ctx.engine.db, row.id)
        .await
        .map_err(|_| SendProblem::ServerRefused {
            server_text: "internal error: attachments".into(),
        })?;
    Ok(Outgoing {
        from,
        to: list(&row.to_addrs)?,
        cc: list(&row.cc_addrs)?,
        bcc: list(&row.bcc_addrs)?,
        subject: row.subject.clone(),
        message_id: format!("<{}>", row.message_id),
        in_reply_to: row.in_reply_to.as_ref().map(|id| format!("<{id}>")),
        references: row
            .references
            .split_whitespace()
            .map(|id| format!("<{id}>"))
            .collect::<Vec<_>>()
            .join(" "),
        date: row
            .created_at
            .max(Utc::now() - chrono::Duration::days(1))
            .min(Utc::now()),
        text: row.body.clone(),
        attachments,
    })
}

/// The server could not be reached or refused the login.
fn connect_failure(ctx: &Ctx, row: &draft::Model, problem: ConnectProblem) -> End {
    match problem {
        ConnectProblem::WrongPassword => stopped(
            SendState::Failed,
            SendProblem::LoginRefused {
                server_text: "the server refused the stored password".into(),
            },
            Vec::new(),
        ),
        ConnectProblem::LoginRefused { server_text } => stopped(
            SendState::Failed,
            SendProblem::LoginRefused { server_text },
            Vec::new(),
        ),
        // Security problems (a certificate not trusted, an address the policy refuses, a
        // port that speaks the other TLS mode): waiting does not fix them.
        ConnectProblem::AddressNotAllowed
        | ConnectProblem::CertificateNotTrusted { .. }
        | ConnectProblem::TlsOnStartTlsPort
        | ConnectProblem::StartTlsOnTlsPort
        | ConnectProblem::StartTlsUnsupported => stopped(
            SendState::Failed,
            SendProblem::ServerRefused {
                server_text: format!("{problem:?}"),
            },
            Vec::new(),
        ),
        // Unreachable, refused, silent, or cut before anything was handed over (an EOF or
        // a reset during the handshake): tried again by itself.
        other => retry(
            ctx,
            row,
            SendProblem::Network {
                detail: format!("{other:?}"),
            },
        ),
    }
}

/// Tried again later by itself, or failed once the attempts are used up.
fn retry(ctx: &Ctx, row: &draft::Model, problem: SendProblem) -> End {
    let attempts = u32::try_from(row.attempts).unwrap_or(u32::MAX);
    if attempts >= ctx.config.max_attempts {
        return stopped(SendState::Failed, problem, Vec::new());
    }
    let wait = ctx
        .config
        .first_delay
        .saturating_mul(2u32.saturating_pow(attempts.saturating_sub(1)));
    let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::minutes(1));
    End::Retry {
        at,
        failure: SendFailure {
            problem,
            recipients: Vec::new(),
            at: Timestamp(Utc::now().timestamp()),
            retry_at: Some(Timestamp(at.timestamp())),
        },
    }
}

/// A send that may have been delivered: found in Sent (a provider that files sent mail)
/// means sent; otherwise it waits for the user, never repeated by itself.
async fn unconfirmed(ctx: &Ctx, mailbox: &mailbox::Model, row: &draft::Model) -> End {
    match sent_copy::is_in_sent(&ctx.engine, mailbox, &row.message_id).await {
        Ok(true) => End::Sent {
            sent_copy: "provider",
        },
        Ok(false) => stopped(SendState::Unconfirmed, SendProblem::MaybeSent, Vec::new()),
        Err(err) => {
            tracing::info!(draft = row.id, %err, "could not look for the message in Sent");
            stopped(SendState::Unconfirmed, SendProblem::MaybeSent, Vec::new())
        }
    }
}
