//! A mailbox's grant: stored sealed, and an access token handed to whoever logs in (the
//! sync, IDLE, the write-back and send workers, opening a message). The access token is
//! refreshed five minutes before it expires, by one process at a time per mailbox: the
//! refresher takes a lease on the grant's row with a conditional UPDATE (the same way the
//! scheduler claims mailboxes), the others wait for its result. Providers rotate refresh
//! tokens, so two refreshes at once could lose the grant. A refused grant marks the
//! mailbox **needs reconnect**.

use super::{Issued, OAuth, TokenProblem};
use crate::{
    entities::{mailbox, oauth_grant},
    secrets::MasterKey,
};
use chrono::{DateTime, Duration, Utc};
use domain::{ConnectProblem, MailboxStatus, OAuthProvider};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::Expr, sea_query::ExprTrait,
};

/// Refreshed this long before it expires.
pub const REFRESH_MARGIN: Duration = Duration::minutes(5);
/// A refresher that stopped (crash) holds the lease no longer than this.
const LEASE: Duration = Duration::seconds(30);
/// How often a waiting process looks whether the refresher is done.
const LOOK_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// What the rest of the app needs to use a grant.
#[derive(Clone, Copy)]
pub struct Keys<'a> {
    pub db: &'a sea_orm::DatabaseConnection,
    pub master_key: &'a MasterKey,
    pub oauth: &'a OAuth,
}

/// Stores a new grant for a mailbox (connect, reconnect), replacing any old one.
pub(crate) async fn store(
    db: &impl ConnectionTrait,
    mailbox_id: i64,
    provider: OAuthProvider,
    sealed: &SealedGrant,
) -> Result<(), sea_orm::DbErr> {
    oauth_grant::Entity::delete_by_id(mailbox_id)
        .exec(db)
        .await?;
    oauth_grant::Entity::insert(oauth_grant::ActiveModel {
        mailbox_id: Set(mailbox_id),
        provider: Set(provider.as_str().to_owned()),
        refresh_secret: Set(sealed.refresh.clone()),
        access_secret: Set(sealed.access.clone()),
        access_expires_at: Set(sealed.expires_at),
        refresh_owner: Set(None),
        refresh_until: Set(None),
        refreshes: Set(0),
        updated_at: Set(Utc::now()),
    })
    .exec(db)
    .await?;
    Ok(())
}

/// Tokens as they wait in a connection draft and go into `oauth_grants`: sealed.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct SealedGrant {
    pub refresh: String,
    pub access: String,
    pub expires_at: DateTime<Utc>,
}

impl SealedGrant {
    /// A first grant must carry a refresh token, or it would stop working within the hour.
    pub(crate) fn seal(key: &MasterKey, issued: &Issued) -> anyhow::Result<Self> {
        let refresh = issued.refresh.as_deref().ok_or_else(|| {
            anyhow::anyhow!("the provider gave no refresh token (offline access)")
        })?;
        Ok(SealedGrant {
            refresh: key.seal(refresh)?,
            access: key.seal(&issued.access)?,
            expires_at: issued.expires_at,
        })
    }
}

/// A usable access token for the mailbox, refreshed first when it is within the margin
/// of its expiry. `SignInExpired` when the provider refused the grant (the mailbox is
/// then marked **needs reconnect**); `Other` when the provider could not be reached.
pub async fn access_token(keys: Keys<'_>, mailbox_id: i64) -> Result<String, ConnectProblem> {
    usable_token(keys, mailbox_id, None).await
}

/// A new access token after the server refused `refused` while it had time left (revoked
/// alone, or cut short by the provider): one refresh, unless another process already
/// replaced it. Only a refused refresh means **needs reconnect**.
pub async fn token_after_refusal(
    keys: Keys<'_>,
    mailbox_id: i64,
    refused: &str,
) -> Result<String, ConnectProblem> {
    usable_token(keys, mailbox_id, Some(refused)).await
}

async fn usable_token(
    keys: Keys<'_>,
    mailbox_id: i64,
    refused: Option<&str>,
) -> Result<String, ConnectProblem> {
    let deadline =
        tokio::time::Instant::now() + (LEASE + Duration::seconds(5)).to_std().unwrap_or_default();
    loop {
        let grant = oauth_grant::Entity::find_by_id(mailbox_id)
            .one(keys.db)
            .await
            .map_err(storage)?
            .ok_or(ConnectProblem::SignInExpired)?;
        let now = Utc::now();
        let current = open(keys, &grant.access_secret)?;
        let stale = refused.is_some_and(|r| r == current);
        if grant.access_expires_at > now + REFRESH_MARGIN && !stale {
            return Ok(current);
        }
        if claim(keys, &grant, now).await? {
            return refresh(keys, grant).await;
        }
        // Another process is refreshing: its result lands in the row.
        if tokio::time::Instant::now() >= deadline {
            return Err(other(
                "the sign-in is being refreshed elsewhere for too long",
            ));
        }
        tokio::time::sleep(LOOK_EVERY).await;
    }
}

/// Takes the refresh lease if nobody holds it and the token is still the one we read.
async fn claim(
    keys: Keys<'_>,
    grant: &oauth_grant::Model,
    now: DateTime<Utc>,
) -> Result<bool, ConnectProblem> {
    let taken = oauth_grant::Entity::update_many()
        .col_expr(
            oauth_grant::Column::RefreshOwner,
            Expr::value(keys.oauth.instance().to_owned()),
        )
        .col_expr(oauth_grant::Column::RefreshUntil, Expr::value(now + LEASE))
        .filter(oauth_grant::Column::MailboxId.eq(grant.mailbox_id))
        .filter(oauth_grant::Column::AccessExpiresAt.eq(grant.access_expires_at))
        .filter(
            Condition::any()
                .add(oauth_grant::Column::RefreshUntil.is_null())
                .add(oauth_grant::Column::RefreshUntil.lt(now)),
        )
        .exec(keys.db)
        .await
        .map_err(storage)?;
    Ok(taken.rows_affected == 1)
}

async fn refresh(keys: Keys<'_>, grant: oauth_grant::Model) -> Result<String, ConnectProblem> {
    let provider: OAuthProvider = grant
        .provider
        .parse()
        .map_err(|_| other("the stored grant names an unknown provider"))?;
    let refresh_token = keys
        .master_key
        .open(&grant.refresh_secret)
        .map_err(|_| other("cannot open the stored sign-in"))?;
    let result = keys.oauth.refresh(provider, refresh_token).await;
    let mine = || {
        oauth_grant::Entity::update_many()
            .filter(oauth_grant::Column::MailboxId.eq(grant.mailbox_id))
            .filter(oauth_grant::Column::RefreshOwner.eq(keys.oauth.instance()))
            .col_expr(
                oauth_grant::Column::RefreshOwner,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                oauth_grant::Column::RefreshUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
    };
    match result {
        Ok(issued) => {
            let access = keys
                .master_key
                .seal(&issued.access)
                .map_err(|_| other("sealing"))?;
            let mut update = mine()
                .col_expr(oauth_grant::Column::AccessSecret, Expr::value(access))
                .col_expr(
                    oauth_grant::Column::AccessExpiresAt,
                    Expr::value(issued.expires_at),
                )
                .col_expr(
                    oauth_grant::Column::Refreshes,
                    Expr::col(oauth_grant::Column::Refreshes).add(1),
                )
                .col_expr(oauth_grant::Column::UpdatedAt, Expr::value(Utc::now()));
            if let Some(rotated) = &issued.refresh {
                let sealed = keys
                    .master_key
                    .seal(rotated)
                    .map_err(|_| other("sealing"))?;
                update = update.col_expr(oauth_grant::Column::RefreshSecret, Expr::value(sealed));
            }
            update.exec(keys.db).await.map_err(storage)?;
            tracing::info!(mailbox = grant.mailbox_id, "oauth: access token refreshed");
            Ok(issued.access)
        }
        Err(problem) => {
            mine().exec(keys.db).await.map_err(storage)?;
            match problem {
                TokenProblem::Refused(reason) => {
                    tracing::warn!(mailbox = grant.mailbox_id, %reason, "oauth: the provider refused the grant; needs reconnect");
                    needs_reconnect(keys.db, grant.mailbox_id).await;
                    Err(ConnectProblem::SignInExpired)
                }
                // Not refreshed, but the old token may still have minutes left.
                other_problem if grant.access_expires_at > Utc::now() => {
                    tracing::warn!(mailbox = grant.mailbox_id, error = %other_problem, "oauth: refresh failed; the current token is still valid");
                    open(keys, &grant.access_secret)
                }
                other_problem => Err(other(&other_problem.to_string())),
            }
        }
    }
}

/// Stops the schedule until the owner reconnects; the Accounts page and the mail screen
/// show it. Messages, settings and grants stay.
pub(crate) async fn needs_reconnect(db: &impl ConnectionTrait, mailbox_id: i64) {
    let marked = mailbox::Entity::update_many()
        .col_expr(
            mailbox::Column::Status,
            Expr::value(MailboxStatus::NeedsReconnect.as_str()),
        )
        .col_expr(
            mailbox::Column::LastError,
            Expr::value("The sign-in was revoked or has expired: reconnect the mailbox"),
        )
        .col_expr(
            mailbox::Column::NextSyncAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(mailbox::Column::Id.eq(mailbox_id))
        .exec(db)
        .await;
    if let Err(err) = marked {
        tracing::warn!(mailbox = mailbox_id, %err, "oauth: could not mark the mailbox for reconnect");
    }
}

fn open(keys: Keys<'_>, sealed: &str) -> Result<String, ConnectProblem> {
    keys.master_key
        .open(sealed)
        .map_err(|_| other("cannot open the stored sign-in"))
}

fn storage(err: sea_orm::DbErr) -> ConnectProblem {
    tracing::warn!(%err, "oauth: storage error");
    other("storage")
}

fn other(detail: &str) -> ConnectProblem {
    ConnectProblem::Other {
        detail: detail.to_owned(),
    }
}
