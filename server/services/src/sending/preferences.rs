//! What a user sets once for writing: the undo-send delay (per user) and a signature
//! (per mailbox, set by its owner, used by everyone who sends from it).

use crate::{
    accounts::Actor,
    entities::{mailbox, user},
    error::{ServiceError, ServiceResult},
    mailboxes::{owned, readable},
    state::AppState,
};
use domain::MAX_UNDO_SECONDS;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};

/// Longest signature, in characters.
const MAX_SIGNATURE_CHARS: usize = 2_000;

/// The caller's undo-send delay in seconds.
pub async fn undo_seconds(state: &AppState, actor: &Actor) -> ServiceResult<u32> {
    undo_seconds_of(&state.db, actor).await
}

pub(super) async fn undo_seconds_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> ServiceResult<u32> {
    let row = user::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotSignedIn)?;
    Ok(u32::try_from(row.undo_send_secs)
        .unwrap_or_default()
        .min(MAX_UNDO_SECONDS))
}

/// Sets the caller's undo-send delay (0–30 s).
pub async fn set_undo_seconds(state: &AppState, actor: &Actor, seconds: u32) -> ServiceResult<()> {
    if seconds > MAX_UNDO_SECONDS {
        return Err(ServiceError::invalid("undo_seconds", "out_of_range"));
    }
    user::Entity::update_many()
        .col_expr(
            user::Column::UndoSendSecs,
            Expr::value(i32::try_from(seconds).unwrap_or(0)),
        )
        .filter(user::Column::Id.eq(actor.user_id))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// A mailbox's signature (owner and grantees may read it).
pub async fn signature(state: &AppState, actor: &Actor, mailbox_id: i64) -> ServiceResult<String> {
    Ok(readable(&state.db, actor, mailbox_id).await?.signature)
}

/// Sets a mailbox's signature (owner only; at most 2,000 characters).
pub async fn set_signature(
    state: &AppState,
    actor: &Actor,
    mailbox_id: i64,
    text: &str,
) -> ServiceResult<()> {
    if text.len() > MAX_SIGNATURE_CHARS * 4 || text.chars().count() > MAX_SIGNATURE_CHARS {
        return Err(ServiceError::invalid("signature", "too_long"));
    }
    owned(&state.db, actor, mailbox_id).await?;
    let text = text.replace("\r\n", "\n");
    mailbox::Entity::update_many()
        .col_expr(
            mailbox::Column::Signature,
            Expr::value(text.trim_end().to_owned()),
        )
        .filter(mailbox::Column::Id.eq(mailbox_id))
        .exec(&state.db)
        .await?;
    Ok(())
}
