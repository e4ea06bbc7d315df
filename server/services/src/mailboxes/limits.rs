//! The per-user mailbox limit counts mailboxes the user connected and shared mailboxes
//! the user was granted (SPEC § Plans: 2 personal + 1 shared = 3).

use crate::{
    entities::{mailbox, mailbox_grant},
    error::{ServiceError, ServiceResult},
};
use domain::{Access, Plan};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, PaginatorTrait, QueryFilter, QuerySelect,
    RelationDef,
};

pub async fn mailbox_count(db: &impl ConnectionTrait, user_id: i64) -> ServiceResult<u64> {
    let owned = mailbox::Entity::find()
        .filter(mailbox::Column::OwnerId.eq(user_id))
        .count(db)
        .await?;
    let granted = mailbox_grant::Entity::find()
        .join(JoinType::InnerJoin, grant_to_mailbox())
        .filter(mailbox_grant::Column::UserId.eq(user_id))
        .filter(mailbox::Column::Access.eq(Access::Shared.as_str()))
        .filter(mailbox::Column::OwnerId.ne(user_id))
        .count(db)
        .await?;
    Ok(owned + granted)
}

pub(super) fn grant_to_mailbox() -> RelationDef {
    mailbox_grant::Entity::belongs_to(mailbox::Entity)
        .from(mailbox_grant::Column::MailboxId)
        .to(mailbox::Column::Id)
        .into()
}

/// Refuses one more mailbox for the user when the plan's limit is reached.
pub(super) async fn ensure_room(
    db: &impl ConnectionTrait,
    user_id: i64,
    plan: Plan,
) -> ServiceResult<()> {
    if let Some(limit) = plan.mailbox_limit()
        && mailbox_count(db, user_id).await? >= u64::from(limit)
    {
        return Err(ServiceError::MailboxLimit { plan, limit });
    }
    Ok(())
}
