//! Connecting and reconnecting with an OAuth2 sign-in (Microsoft 365, Gmail): the
//! wizard's steps A–B done by the provider's sign-in page. The login check runs with the
//! access token against the provider's servers before anything is stored; a new mailbox
//! then waits in a connection draft for step C like a password one, and **Reconnect**
//! replaces the grant of the same address and keeps every message, setting and grant.

use super::{access::owned, connect, draft, plan_limits};
use crate::{
    accounts::Actor,
    entities::mailbox,
    error::{ServiceError, ServiceResult},
    mail::login::{self, CheckOptions, Login},
    oauth::{
        flow::{self, Callback, Start},
        tokens::{self, SealedGrant},
    },
    state::AppState,
};
use domain::{AuthMethod, MailboxStatus, OAuthProvider, Provider, SignInProblem};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel, TransactionTrait};

/// Where the browser goes next after a finished sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInDone {
    /// A new mailbox: step C of the wizard with this connection draft.
    Draft(String),
    /// **Reconnect** of this mailbox succeeded.
    Reconnected(i64),
}

/// Starts a sign-in for a new mailbox of `provider`, or for **Reconnect** of `reconnect`
/// (owner only, an OAuth2 mailbox of that provider): the provider's sign-in page address.
pub async fn start_sign_in(
    state: &AppState,
    actor: &Actor,
    session_id: &str,
    provider: Provider,
    reconnect: Option<i64>,
) -> ServiceResult<String> {
    let oauth_provider = provider.oauth().ok_or(ServiceError::invalid(
        "provider",
        crate::validate::reason::UNKNOWN,
    ))?;
    if state.oauth.provider(oauth_provider).is_none() {
        return Err(ServiceError::SignIn(SignInProblem::NotConfigured));
    }
    let target = match reconnect {
        Some(id) => {
            let row = owned(&state.db, actor, id).await?;
            if row.provider != provider {
                return Err(ServiceError::NotFound);
            }
            Some((row.id, row.email))
        }
        None => {
            let plan = connect::plan_of(&state.db, actor.workspace_id).await?;
            plan_limits::ensure_room(&state.db, actor.user_id, plan).await?;
            None
        }
    };
    let start = Start {
        user_id: actor.user_id,
        session_id,
        provider: oauth_provider,
        reconnect: target.as_ref().map(|(id, email)| (*id, email.as_str())),
    };
    flow::begin(&state.db, &state.oauth, &state.master_key, start)
        .await
        .map_err(ServiceError::SignIn)
}

/// The provider sent the browser back: check the state, trade the code, check the login
/// with the token, then keep it (a draft for step C, or the reconnected mailbox's grant).
pub async fn finish_sign_in(
    state: &AppState,
    actor: &Actor,
    session_id: &str,
    callback: Callback,
) -> ServiceResult<SignInDone> {
    let signed_in = flow::finish(
        &state.db,
        &state.oauth,
        &state.master_key,
        actor.user_id,
        session_id,
        callback,
    )
    .await
    .map_err(ServiceError::SignIn)?;
    let sealed = SealedGrant::seal(&state.master_key, &signed_in.issued)
        .map_err(|_| ServiceError::SignIn(SignInProblem::NoIdentity))?;
    let token = signed_in.issued.access.clone();
    match signed_in.reconnect {
        Some(id) => {
            let row = owned(&state.db, actor, id).await?;
            if !row.email.eq_ignore_ascii_case(&signed_in.email) {
                return Err(ServiceError::SignIn(SignInProblem::WrongAccount));
            }
            check(
                state,
                &row.imap_server(),
                &row.smtp_server(),
                &row.imap_username,
                &row.smtp_username,
                &token,
            )
            .await?;
            reconnect(state, row, signed_in.provider, &sealed).await?;
            Ok(SignInDone::Reconnected(id))
        }
        None => {
            let provider = signed_in.provider.mailbox_provider();
            let servers = state
                .oauth
                .provider(signed_in.provider)
                .ok_or(ServiceError::SignIn(SignInProblem::NotConfigured))?;
            let (imap, smtp) = (servers.imap.clone(), servers.smtp.clone());
            let email = signed_in.email;
            let plan = connect::plan_of(&state.db, actor.workspace_id).await?;
            plan_limits::ensure_room(&state.db, actor.user_id, plan).await?;
            connect::ensure_not_connected(&state.db, actor.user_id, &email).await?;
            let folders = check(state, &imap, &smtp, &email, &email, &token).await?;
            let draft = draft::Draft {
                provider,
                email: email.clone(),
                imap,
                smtp,
                imap_username: email.clone(),
                smtp_username: email,
                imap_secret: String::new(),
                smtp_secret: String::new(),
                folders,
                grant: Some(draft::DraftGrant {
                    provider: signed_in.provider,
                    tokens: sealed,
                }),
            };
            Ok(SignInDone::Draft(
                draft::save(&state.db, actor, &draft).await?,
            ))
        }
    }
}

/// The wizard's login check, with the token over XOAUTH2 on both servers.
async fn check(
    state: &AppState,
    imap: &domain::ServerAddress,
    smtp: &domain::ServerAddress,
    imap_user: &str,
    smtp_user: &str,
    token: &str,
) -> ServiceResult<Vec<login::FolderInfo>> {
    let options = CheckOptions {
        trust: state.mail_trust.clone(),
        timeout: state.connect_timeout,
    };
    login::check_both(
        imap,
        &Login::bearer(imap_user, token),
        smtp,
        &Login::bearer(smtp_user, token),
        &options,
    )
    .await
    .map_err(ServiceError::Connect)
}

/// The new grant replaces the old; the schedule resumes at once. Nothing else changes.
async fn reconnect(
    state: &AppState,
    row: mailbox::Model,
    provider: OAuthProvider,
    sealed: &SealedGrant,
) -> ServiceResult<()> {
    let id = row.id;
    let status = if row.last_sync_at.is_some() {
        MailboxStatus::Ready
    } else {
        MailboxStatus::WaitingFirstSync
    };
    let txn = state.db.begin().await?;
    tokens::store(&txn, id, provider, sealed).await?;
    let mut active = row.into_active_model();
    active.auth = Set(AuthMethod::OAuth2);
    active.status = Set(status);
    active.next_sync_at = Set(Some(chrono::Utc::now()));
    active.sync_failures = Set(0);
    active.last_error = Set(None);
    active.update(&txn).await?;
    txn.commit().await?;
    tracing::info!(mailbox = id, "mailbox reconnected");
    state.sync_waker.wake();
    Ok(())
}
