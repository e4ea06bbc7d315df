//! One claimed draft's attempt: the author's right checked again, the message built,
//! handed to the mailbox's SMTP server (`smtp`), and the end written back — sent (then
//! the copy in Sent), stopped for the user (failed, unconfirmed), or retried later. A
//! draft taken over from a process that died while handing its message over is never
//! sent again: it is looked for in Sent instead; one whose message the server had taken
//! only gets its copy in Sent.

use super::{
    mime,
    outbox::{self, End, PHASE_CONNECT, PHASE_DATA, PHASE_DELIVERED},
    outgoing::{self, Addresses},
    sent_copy,
    smtp::{self, Attempt, Limits},
    worker::Ctx,
};
use crate::{
    accounts::Actor,
    entities::{draft, mailbox},
    mail::{
        credentials,
        login::{CheckOptions, open_smtp},
    },
    mail_actions,
    mailboxes::readable,
};
use chrono::Utc;
use domain::{
    ComposeKind, ConnectProblem, MessageAction, SendFailure, SendProblem, SendState, Timestamp,
};
use sea_orm::EntityTrait;

/// One claimed draft: sent, or why not.
pub(super) async fn attempt(ctx: &Ctx, row: draft::Model) {
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
    match outbox::finish(&ctx.engine.db, id, &ctx.owner, end).await {
        Ok(true) => {}
        // Taken over (the lease ran out) or sent meanwhile: the other end stands.
        Ok(false) => tracing::warn!(
            draft = id,
            outcome = label,
            "send worker: the draft was no longer this attempt's"
        ),
        Err(err) => tracing::warn!(draft = id, %err, "send worker: writing the outcome failed"),
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
    if let Some(end) = given_up(row) {
        tracing::warn!(
            draft = row.id,
            takeovers = row.takeovers,
            phase = row.phase.as_deref().unwrap_or(""),
            "send stopped: its attempts kept ending without an outcome"
        );
        return Ok(end);
    }
    match row.phase.as_deref() {
        // Taken over from a process that stopped while handing the message over.
        Some(PHASE_DATA) => return Ok(unconfirmed(ctx, &mailbox, row).await),
        // ... or after the server took it: only its copy in Sent is left to file.
        Some(PHASE_DELIVERED) => {
            answered(ctx, row, &author).await;
            let rebuilt = outgoing::of_draft(db, &mailbox, row, Addresses::Lenient, Utc::now())
                .await
                .map_err(|e| format!("{e:?}"))
                .and_then(|m| mime::build(&m));
            return Ok(match rebuilt {
                Ok(raw) => filed(ctx, &mailbox, row, &raw).await,
                Err(err) => {
                    tracing::warn!(draft = row.id, %err, "sent, but its copy could not be rebuilt");
                    End::Sent {
                        sent_copy: outbox::FAILED_COPY,
                    }
                }
            });
        }
        _ => {}
    }
    outbox::set_phase(db, row.id, &ctx.owner, PHASE_CONNECT)
        .await
        .map_err(|_| internal("storage"))?;
    // Dated when it goes out.
    let outgoing =
        outgoing::of_draft(&ctx.engine.db, &mailbox, row, Addresses::Strict, Utc::now()).await?;
    let raw = mime::build(&outgoing).map_err(|e| internal(&e))?;
    let recipients = mime::envelope_recipients(&outgoing);
    let login = match credentials::smtp_login(ctx.engine.keys(), &mailbox).await {
        Ok(login) => login,
        Err(problem) => return Ok(connect_failure(ctx, row, problem)),
    };
    let opts = CheckOptions {
        trust: ctx.engine.trust.clone(),
        timeout: ctx.config.command_limit,
    };
    let mut opened = open_smtp(&mailbox.smtp_server(), &login, &opts).await;
    if let Err(ConnectProblem::SignInExpired) = opened
        && let Some(fresh) =
            credentials::login_after_refusal(ctx.engine.keys(), &mailbox, &login).await
    {
        // A token refused before its time: one refresh and one more try.
        opened = match fresh {
            Ok(fresh) => open_smtp(&mailbox.smtp_server(), &fresh, &opts).await,
            Err(problem) => Err(problem),
        };
    }
    let mut conn = match opened {
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
            // Recorded before anything else: a process that stops from here on must not
            // leave the draft "maybe sent" (the user would send it again).
            if let Err(err) = outbox::set_phase(db, row.id, &ctx.owner, PHASE_DELIVERED).await {
                tracing::warn!(draft = row.id, %err, "sent, but recording it failed");
            }
            answered(ctx, row, &author).await;
            filed(ctx, &mailbox, row, &raw).await
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

/// Takeovers in a row after which a draft stops where it stands.
const MAX_TAKEOVERS: u32 = 3;

/// A draft taken over more than [`MAX_TAKEOVERS`] times in a row (`takeovers`: every
/// attempt's end and a new Send set it back) kept bringing its attempts down without an
/// outcome: their process was killed or crashed, or the attempt panicked. It stops where
/// it stands instead of being tried again every lease, so a message that brings its
/// process down cannot do so for ever: nothing handed over yet, it fails
/// (`Interrupted`); handed over, it may have been sent (the takeovers before looked for it
/// in Sent); taken by the server, it is sent and only its copy in Sent is given up.
fn given_up(row: &draft::Model) -> Option<End> {
    let times = u32::try_from(row.takeovers).unwrap_or(u32::MAX);
    if times <= MAX_TAKEOVERS {
        return None;
    }
    Some(match row.phase.as_deref() {
        Some(PHASE_DELIVERED) => End::Sent {
            sent_copy: outbox::GIVEN_UP_COPY,
        },
        Some(PHASE_DATA) => stopped(SendState::Unconfirmed, SendProblem::MaybeSent, Vec::new()),
        _ => stopped(
            SendState::Failed,
            SendProblem::Interrupted { times },
            Vec::new(),
        ),
    })
}

/// A sent message's copy in Sent (`sent_copy`); a failure there leaves the send sent.
async fn filed(ctx: &Ctx, mailbox: &mailbox::Model, row: &draft::Model, raw: &[u8]) -> End {
    let sent_copy = match sent_copy::file_copy(&ctx.engine, mailbox, &row.message_id, raw).await {
        Ok(state) => state,
        Err(err) => {
            tracing::warn!(draft = row.id, %err, "sent, but the copy in Sent failed");
            outbox::FAILED_COPY
        }
    };
    End::Sent { sent_copy }
}

/// A reply marks the message it answers `\Answered`: at once in the app, on the server
/// by the write-back worker. A failure here only leaves the mark off.
async fn answered(ctx: &Ctx, row: &draft::Model, author: &Actor) {
    let Some(source) = row.source_message_id else {
        return;
    };
    if !matches!(row.kind, ComposeKind::Reply | ComposeKind::ReplyAll) {
        return;
    }
    let marked = mail_actions::apply(
        &ctx.engine.db,
        author,
        &[source],
        MessageAction::MarkAnswered,
    )
    .await;
    if let Err(err) = marked {
        tracing::info!(draft = row.id, %err, "the replied message was not marked answered");
    }
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
        ConnectProblem::SignInExpired => stopped(
            SendState::Failed,
            SendProblem::LoginRefused {
                server_text: "the sign-in was revoked or has expired: reconnect the mailbox".into(),
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
