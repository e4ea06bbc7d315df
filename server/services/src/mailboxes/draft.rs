//! A verified connection waiting for step C. It exists only after both IMAP and SMTP
//! logins succeeded; the password inside is sealed and the draft expires in an hour.

use crate::{
    accounts::Actor,
    entities::connection_draft,
    error::{ServiceError, ServiceResult},
    mail::login::FolderInfo,
};
use domain::{DraftView, FolderChoice, Provider, ServerAddress};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

const LIFETIME_MINUTES: i64 = 60;

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Draft {
    pub provider: Provider,
    pub email: String,
    pub imap: ServerAddress,
    pub smtp: ServerAddress,
    pub imap_username: String,
    pub smtp_username: String,
    pub imap_secret: String,
    pub smtp_secret: String,
    pub folders: Vec<FolderInfo>,
    /// An OAuth2 sign-in's tokens (sealed) instead of a password.
    #[serde(default)]
    pub grant: Option<DraftGrant>,
}

/// The grant of an OAuth2 sign-in waiting for step C.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct DraftGrant {
    pub provider: domain::OAuthProvider,
    pub tokens: crate::oauth::tokens::SealedGrant,
}

pub(crate) async fn save(
    db: &impl ConnectionTrait,
    actor: &Actor,
    draft: &Draft,
) -> ServiceResult<String> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let data = serde_json::to_string(draft).map_err(|e| ServiceError::Internal(e.into()))?;
    // Old drafts of anyone are useless: clear them on the way.
    connection_draft::Entity::delete_many()
        .filter(connection_draft::Column::ExpiresAt.lt(chrono::Utc::now()))
        .exec(db)
        .await?;
    connection_draft::Entity::insert(connection_draft::ActiveModel {
        id: Set(id.clone()),
        user_id: Set(actor.user_id),
        data: Set(data),
        expires_at: Set(chrono::Utc::now() + chrono::Duration::minutes(LIFETIME_MINUTES)),
    })
    .exec(db)
    .await?;
    Ok(id)
}

/// The caller's own unexpired draft; anyone else's is simply not found.
pub(super) async fn load(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: &str,
) -> ServiceResult<Draft> {
    let row = connection_draft::Entity::find_by_id(id.to_owned())
        .filter(connection_draft::Column::UserId.eq(actor.user_id))
        .one(db)
        .await?
        .ok_or(ServiceError::DraftExpired)?;
    if row.expires_at < chrono::Utc::now() {
        return Err(ServiceError::DraftExpired);
    }
    serde_json::from_str(&row.data).map_err(|e| ServiceError::Internal(e.into()))
}

pub(super) async fn delete(db: &impl ConnectionTrait, id: &str) -> ServiceResult<()> {
    connection_draft::Entity::delete_by_id(id.to_owned())
        .exec(db)
        .await?;
    Ok(())
}

pub async fn load_draft(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: &str,
) -> ServiceResult<DraftView> {
    let draft = load(db, actor, crate::validate::draft_id(id)?).await?;
    Ok(DraftView {
        provider: draft.provider,
        email: draft.email,
        folders: draft.folders.iter().map(preselected).collect(),
    })
}

/// INBOX and the \Sent folder are preselected (SPEC § step C).
pub(super) fn preselected(folder: &FolderInfo) -> FolderChoice {
    use crate::mail::login::SpecialUse;
    FolderChoice {
        name: folder.name.clone(),
        display_name: folder.display_name.clone(),
        depth: folder.depth,
        special_use: folder.special_use.map(|s| s.as_str().to_owned()),
        selected: matches!(
            folder.special_use,
            Some(SpecialUse::Inbox | SpecialUse::Sent)
        ) || folder.name.eq_ignore_ascii_case("INBOX"),
    }
}
