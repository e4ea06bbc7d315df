//! **Always show images from this sender**: per user, by the sender's address (lower
//! case). A forged From can borrow a trusted sender's address; what it gains is only that
//! its remote images load, which is what a tracking pixel wants and no more.

use crate::{
    accounts::Actor,
    entities::image_sender,
    error::{ServiceError, ServiceResult},
    mail_view::readable_message,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::OnConflict};

/// Remote images of every message from this message's sender load for the actor from now on.
pub async fn allow_images_from_sender(
    db: &impl ConnectionTrait,
    actor: &Actor,
    message_id: i64,
) -> ServiceResult<()> {
    let row = readable_message(db, actor, message_id).await?;
    let address = sender_key(&row.from_address).ok_or(ServiceError::invalid(
        "sender",
        "the message has no sender address",
    ))?;
    image_sender::Entity::insert(image_sender::ActiveModel {
        user_id: Set(actor.user_id),
        address: Set(address),
        created_at: Set(chrono::Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([image_sender::Column::UserId, image_sender::Column::Address])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Remote images of this message's sender no longer load by themselves for the actor.
pub async fn stop_images_from_sender(
    db: &impl ConnectionTrait,
    actor: &Actor,
    message_id: i64,
) -> ServiceResult<()> {
    let row = readable_message(db, actor, message_id).await?;
    if let Some(address) = sender_key(&row.from_address) {
        image_sender::Entity::delete_many()
            .filter(image_sender::Column::UserId.eq(actor.user_id))
            .filter(image_sender::Column::Address.eq(address))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The actor always shows images from this message's sender.
pub async fn images_allowed(
    db: &impl ConnectionTrait,
    actor: &Actor,
    message_id: i64,
) -> ServiceResult<bool> {
    let row = readable_message(db, actor, message_id).await?;
    sender_allowed(db, actor, &row.from_address).await
}

/// The actor always shows images from this sender address.
pub async fn sender_allowed(
    db: &impl ConnectionTrait,
    actor: &Actor,
    from_address: &str,
) -> ServiceResult<bool> {
    let Some(address) = sender_key(from_address) else {
        return Ok(false);
    };
    Ok(image_sender::Entity::find_by_id((actor.user_id, address))
        .one(db)
        .await?
        .is_some())
}

fn sender_key(address: &str) -> Option<String> {
    let key = address.trim().to_lowercase();
    (!key.is_empty()).then_some(key)
}
