//! The authorization-code flow with PKCE (RFC 6749 §4.1, RFC 7636): where the browser is
//! sent, and what comes back. The `state` is random, stored only as a hash, bound to the
//! user and to the session that started it, valid for ten minutes and used once: a
//! forged, replayed, expired or other user's `state` finds nothing.

use super::{Issued, OAuth, TokenProblem, id_token};
use crate::{entities::oauth_flow, secrets::MasterKey};
use chrono::{Duration, Utc};
use domain::{OAuthProvider, SignInProblem};
use oauth2::{CsrfToken, PkceCodeChallenge, Scope};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

/// How long a started sign-in may take.
const LIFETIME: Duration = Duration::minutes(10);
/// Bound on what the provider's redirect may carry.
const MAX_PARAM: usize = 4096;

/// Who is signing in, and for what.
pub struct Start<'a> {
    pub user_id: i64,
    pub session_id: &'a str,
    pub provider: OAuthProvider,
    /// **Reconnect**: the mailbox, and its address as the sign-in page's hint.
    pub reconnect: Option<(i64, &'a str)>,
}

/// What the provider sent the browser back with.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// A finished sign-in: who signed in, with which tokens, for which mailbox (Reconnect).
pub struct SignedIn {
    pub provider: OAuthProvider,
    pub reconnect: Option<i64>,
    pub email: String,
    pub(crate) issued: Issued,
}

/// The provider's sign-in page address for this user's new flow.
pub async fn begin(
    db: &impl ConnectionTrait,
    oauth: &OAuth,
    key: &MasterKey,
    start: Start<'_>,
) -> Result<String, SignInProblem> {
    let settings = oauth
        .provider(start.provider)
        .ok_or(SignInProblem::NotConfigured)?;
    let client = oauth.client(start.provider).map_err(token_problem)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(settings.scopes.iter().cloned().map(Scope::new))
        .set_pkce_challenge(challenge);
    request = match start.provider {
        // A refresh token, and asked again for consent so that one is always issued.
        OAuthProvider::Google => request
            .add_extra_param("access_type", "offline")
            .add_extra_param("prompt", "consent"),
        OAuthProvider::Microsoft => request.add_extra_param("prompt", "select_account"),
    };
    if let Some((_, email)) = start.reconnect {
        request = request.add_extra_param("login_hint", email);
    }
    let (url, state) = request.url();
    let sealed = key
        .seal(verifier.secret())
        .map_err(|_| SignInProblem::Unavailable)?;
    let now = Utc::now();
    oauth_flow::Entity::delete_many()
        .filter(oauth_flow::Column::ExpiresAt.lt(now))
        .exec(db)
        .await
        .map_err(storage)?;
    oauth_flow::Entity::insert(oauth_flow::ActiveModel {
        state_hash: Set(hash(state.secret())),
        user_id: Set(start.user_id),
        session_hash: Set(hash(start.session_id)),
        provider: Set(start.provider.as_str().to_owned()),
        mailbox_id: Set(start.reconnect.map(|(id, _)| id)),
        verifier_secret: Set(sealed),
        expires_at: Set(now + LIFETIME),
    })
    .exec(db)
    .await
    .map_err(storage)?;
    Ok(url.to_string())
}

/// Takes the flow of `callback.state` (once: the first caller deletes it), then trades
/// the code for tokens and reads who signed in.
pub async fn finish(
    db: &impl ConnectionTrait,
    oauth: &OAuth,
    key: &MasterKey,
    user_id: i64,
    session_id: &str,
    callback: Callback,
) -> Result<SignedIn, SignInProblem> {
    let bounded = |v: &Option<String>| v.as_ref().is_none_or(|v| v.len() <= MAX_PARAM);
    if !(bounded(&callback.code) && bounded(&callback.state) && bounded(&callback.error)) {
        return Err(SignInProblem::StateInvalid);
    }
    let state = callback.state.ok_or(SignInProblem::StateInvalid)?;
    let mine = || {
        oauth_flow::Entity::find_by_id(hash(&state))
            .filter(oauth_flow::Column::UserId.eq(user_id))
            .filter(oauth_flow::Column::SessionHash.eq(hash(session_id)))
            .filter(oauth_flow::Column::ExpiresAt.gt(Utc::now()))
    };
    let flow = mine()
        .one(db)
        .await
        .map_err(storage)?
        .ok_or(SignInProblem::StateInvalid)?;
    let taken = oauth_flow::Entity::delete_many()
        .filter(oauth_flow::Column::StateHash.eq(flow.state_hash.clone()))
        .filter(oauth_flow::Column::UserId.eq(user_id))
        .exec(db)
        .await
        .map_err(storage)?;
    if taken.rows_affected != 1 {
        // Another request with the same state got there first.
        return Err(SignInProblem::StateInvalid);
    }
    if callback.error.is_some() {
        return Err(SignInProblem::Denied);
    }
    let code = callback.code.ok_or(SignInProblem::Denied)?;
    let provider: OAuthProvider = flow
        .provider
        .parse()
        .map_err(|_| SignInProblem::StateInvalid)?;
    let verifier = key
        .open(&flow.verifier_secret)
        .map_err(|_| SignInProblem::StateInvalid)?;
    let issued = oauth
        .exchange(provider, code, verifier)
        .await
        .map_err(token_problem)?;
    let client_id = &oauth
        .provider(provider)
        .ok_or(SignInProblem::NotConfigured)?
        .client_id;
    let id_token = issued
        .id_token
        .as_deref()
        .ok_or(SignInProblem::NoIdentity)?;
    let identity = id_token::identity(provider, client_id, id_token).map_err(|problem| {
        tracing::info!(%problem, "oauth: sign-in refused");
        match problem {
            id_token::IdentityProblem::PersonalMicrosoftAccount => SignInProblem::PersonalAccount,
            _ => SignInProblem::NoIdentity,
        }
    })?;
    if issued.refresh.is_none() {
        return Err(SignInProblem::NoIdentity);
    }
    Ok(SignedIn {
        provider,
        reconnect: flow.mailbox_id,
        email: identity.email,
        issued,
    })
}

fn token_problem(problem: TokenProblem) -> SignInProblem {
    tracing::info!(%problem, "oauth: token endpoint");
    match problem {
        TokenProblem::Refused(_) => SignInProblem::CodeRefused,
        TokenProblem::Unavailable(_) => SignInProblem::Unavailable,
        TokenProblem::NotConfigured => SignInProblem::NotConfigured,
    }
}

fn storage(err: sea_orm::DbErr) -> SignInProblem {
    tracing::warn!(%err, "oauth: storage error");
    SignInProblem::Unavailable
}

/// SHA-256 in hex: what is stored of a state or a session id.
fn hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
