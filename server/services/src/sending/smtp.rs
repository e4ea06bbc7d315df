//! One attempt to hand a message to the mailbox's submission server, told apart by how
//! far it got: refused for good (the user must change something), refused for now or cut
//! before the message was handed over (safe to try again), delivered, or cut while the
//! message was being handed over (it may have been delivered: never repeated blindly).
//!
//! Recipients are given one RCPT at a time (RFC 5321 §3.3) so that each refusal is
//! reported with the server's words for that address; if any is refused, nothing is sent
//! (RSET) — the user fixes the address and sends to everyone at once.

use crate::mail::text;
use domain::{RecipientProblem, SendProblem};
use lettre::{
    Address,
    transport::smtp::{
        Error as SmtpError,
        client::AsyncSmtpConnection,
        commands::{Data, Mail, Rcpt, Rset},
        extension::{Extension, MailBodyParameter, MailParameter},
    },
};
use std::{future::Future, time::Duration};

/// How an attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Attempt {
    Delivered,
    /// Refused for good: the draft fails and waits for the user.
    Refused {
        problem: SendProblem,
        recipients: Vec<RecipientProblem>,
    },
    /// Nothing was handed over; tried again by itself.
    Transient(SendProblem),
    /// The connection broke while the message was being handed over.
    Uncertain(String),
}

/// Bounds on each step.
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    /// One command (MAIL, RCPT, DATA).
    pub command: Duration,
    /// The message itself and the server's answer to it.
    pub message: Duration,
}

/// MAIL, RCPT for each recipient, then `handing_over` (which records that the message is
/// about to be handed over; an error there stops the attempt before DATA), DATA and the
/// message.
pub(super) async fn deliver<F>(
    conn: &mut AsyncSmtpConnection,
    from: &Address,
    recipients: &[Address],
    message: &[u8],
    limits: Limits,
    handing_over: F,
) -> Attempt
where
    F: Future<Output = Result<(), String>>,
{
    let mut params = vec![MailParameter::Size(message.len())];
    if !message.is_ascii() && conn.server_info().supports_feature(Extension::EightBitMime) {
        params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    match step(
        limits.command,
        conn.command(Mail::new(Some(from.clone()), params)),
    )
    .await
    {
        Ok(()) => {}
        Err(err) => return refusal(&err),
    }
    let mut refused = Vec::new();
    for rcpt in recipients {
        match step(
            limits.command,
            conn.command(Rcpt::new(rcpt.clone(), vec![])),
        )
        .await
        {
            Ok(()) => {}
            Err(Step::Failed(err)) if err.is_permanent() => refused.push(RecipientProblem {
                address: rcpt.to_string(),
                server_text: server_words(&err),
            }),
            Err(err) => return refusal(&err),
        }
    }
    if !refused.is_empty() {
        let _ = step(limits.command, conn.command(Rset)).await;
        return Attempt::Refused {
            problem: SendProblem::RecipientsRejected,
            recipients: refused,
        };
    }
    if let Err(err) = handing_over.await {
        let _ = step(limits.command, conn.command(Rset)).await;
        return Attempt::Transient(SendProblem::Network { detail: err });
    }
    if let Err(err) = step(limits.command, conn.command(Data)).await {
        return refusal(&err);
    }
    match step(limits.message, conn.message(message)).await {
        Ok(()) => Attempt::Delivered,
        // The server answered the message with a reply code: it said no, so it has not
        // taken it. Anything else after the final `.` (the connection closed, cleanly or
        // not, or a reply that is no reply) may follow its acceptance: never repeated.
        Err(Step::Failed(err)) if err.status().is_some() => refusal(&Step::Failed(err)),
        Err(Step::Failed(err)) => Attempt::Uncertain(text::server(&err.to_string())),
        Err(Step::TimedOut) => Attempt::Uncertain("no answer after the message".into()),
    }
}

enum Step {
    Failed(SmtpError),
    TimedOut,
}

async fn step<T>(
    limit: Duration,
    fut: impl Future<Output = Result<T, SmtpError>>,
) -> Result<(), Step> {
    match tokio::time::timeout(limit, fut).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) => Err(Step::Failed(err)),
        Err(_) => Err(Step::TimedOut),
    }
}

/// What a failed command means for the draft.
fn refusal(err: &Step) -> Attempt {
    let err = match err {
        Step::TimedOut => {
            return Attempt::Transient(SendProblem::Network {
                detail: "the server did not answer".into(),
            });
        }
        Step::Failed(err) => err,
    };
    let words = server_words(err);
    let code = err.status().map(|c| c.to_string()).unwrap_or_default();
    if err.is_permanent() {
        // 552 (and 5.3.4): message size exceeds the server's limit (RFC 5321 §4.5.3.1.10,
        // RFC 1870 §6); 530/535: the login is no longer accepted.
        let problem = if code == "552" || words.contains("5.3.4") {
            SendProblem::TooLarge {
                limit_bytes: None,
                server_text: words,
            }
        } else if code == "530" || code == "535" {
            SendProblem::LoginRefused { server_text: words }
        } else {
            SendProblem::ServerRefused { server_text: words }
        };
        return Attempt::Refused {
            problem,
            recipients: Vec::new(),
        };
    }
    if err.is_transient() {
        return Attempt::Transient(SendProblem::ServerRefused { server_text: words });
    }
    Attempt::Transient(SendProblem::Network { detail: words })
}

fn server_words(err: &SmtpError) -> String {
    text::server(&err.to_string())
}
