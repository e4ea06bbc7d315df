//! How a sync engine's sessions log in: a sync run's and an IDLE watch's with their first
//! EXAMINE (behind the LOGIN where the server allows it), other work's without ENABLE;
//! an OAuth2 token refused before its time refreshed once.

use super::{
    error::SyncError,
    fetch::{self, Ahead, Asked, FolderState, ImapSession},
    run::SyncEngine,
};
use crate::{
    entities::mailbox,
    mail::{
        credentials,
        login::{CheckOptions, open_session_pipelining},
    },
    mail_actions::imap::quoted,
};
use std::{collections::HashSet, sync::MutexGuard};

/// The answers a session brought with its log-in: its first folder's EXAMINE (or the
/// server's refusal, the folder's error), and what a first sync asked behind it.
pub struct Examined {
    pub state: Result<FolderState, SyncError>,
    pub asked: Option<Asked>,
}

impl SyncEngine {
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
    /// session (a refusal is the folder's); so do `ahead`'s first search and newest
    /// headers (a first sync of INBOX the wizard's check saw), and their answers
    /// ([`fetch::asked`]). Otherwise, or with no folder, ENABLE CONDSTORE
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
        ahead: Option<&Ahead>,
    ) -> Result<(ImapSession, Option<Examined>), SyncError> {
        let host = row.imap_host.to_ascii_lowercase();
        let lines = match first.map(quoted) {
            Some(Ok(name)) if !self.unpipelined().contains(&host) => {
                let mut lines = fetch::examine_lines(&name);
                lines.push_str(&ahead.map(Ahead::lines).unwrap_or_default());
                lines
            }
            _ => String::new(),
        };
        let (mut session, caps, sent) = self.log_in_with(row, &lines).await?;
        if !sent {
            self.enable_condstore(&mut session, &caps).await?;
            return Ok((session, None));
        }
        // ENABLE answers at once: no answer within the log-in's time (a server that lost
        // the lines, or answered them before its LOGIN's answer, which async-imap passes
        // over), the connection's end, or a refusal means the server does not take what
        // comes with its LOGIN. The host's sessions then go without, this one first.
        let enabled = tokio::time::timeout(self.connect_timeout, fetch::enabled(&mut session));
        let enabled = enabled.await.unwrap_or(Err(SyncError::Timeout));
        if !matches!(enabled, Ok(true)) {
            tracing::warn!(%host, "sync: what went with the LOGIN was not taken; not sent again");
            self.unpipelined().insert(host.clone());
        }
        let bound = self.limits.command_timeout;
        let max_header = self.limits.header_limit();
        // What went behind the EXAMINE, read after its answer.
        let asked = async |session: &mut ImapSession| match ahead {
            Some(ahead) => fetch::asked(session, ahead, max_header).await.map(Some),
            None => Ok(None),
        };
        match enabled {
            Ok(true) => {
                let examined = tokio::time::timeout(bound, fetch::examined(&mut session)).await;
                let state = examined.map_err(|_| SyncError::Timeout)??;
                match tokio::time::timeout(bound, asked(&mut session)).await {
                    Ok(asked) => {
                        let asked = asked?;
                        if asked.is_some() {
                            tracing::debug!("sync: the first search went with the EXAMINE");
                        }
                        return Ok((session, Some(Examined { state, asked })));
                    }
                    // Its EXAMINE answered, not the search behind it: this session is
                    // left (those answers may still come) for one without (the hint that
                    // sized them is spent).
                    Err(_) => tracing::warn!(%host, "sync: the first search went unanswered"),
                }
            }
            // Refused: the answers, which follow at once, are read and left, and the
            // caller examines the folder itself; not within the log-in's time, as lost.
            Ok(false) => {
                // The EXAMINE's refusal or state is left to the caller's own.
                let left = async {
                    let _left = fetch::examined(&mut session).await?;
                    asked(&mut session).await
                };
                if let Ok(Ok(_)) = tokio::time::timeout(self.connect_timeout, left).await {
                    return Ok((session, None));
                }
            }
            Err(_) => {}
        }
        // Lost: logged in again, with nothing behind the LOGIN.
        drop(session);
        let (mut session, caps, _) = self.log_in_with(row, "").await?;
        self.enable_condstore(&mut session, &caps).await?;
        Ok((session, None))
    }

    fn unpipelined(&self) -> MutexGuard<'_, HashSet<String>> {
        self.unpipelined.lock().unwrap_or_else(|p| p.into_inner())
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
}
