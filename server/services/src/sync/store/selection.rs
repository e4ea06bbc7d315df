//! The folder selection as the sync applies it.

use crate::{entities::message, error::ServiceResult};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

/// Folders the owner deselected: their messages leave the app (never the server) and their
/// sync state is forgotten, so selecting them again starts them afresh.
pub async fn forget_unselected(db: &DatabaseConnection, mailbox_id: i64) -> ServiceResult<()> {
    use crate::entities::mailbox_folder;
    use sea_orm::sea_query::Expr;
    let unselected: Vec<i64> = mailbox_folder::Entity::find()
        .select_only()
        .column(mailbox_folder::Column::Id)
        .filter(mailbox_folder::Column::MailboxId.eq(mailbox_id))
        .filter(mailbox_folder::Column::Selected.eq(false))
        .filter(mailbox_folder::Column::Uidvalidity.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    if unselected.is_empty() {
        return Ok(());
    }
    message::Entity::delete_many()
        .filter(message::Column::FolderId.is_in(unselected.iter().copied()))
        .exec(db)
        .await?;
    mailbox_folder::Entity::update_many()
        .col_expr(
            mailbox_folder::Column::Uidvalidity,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(
            mailbox_folder::Column::Uidnext,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(
            mailbox_folder::Column::HighestModseq,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(
            mailbox_folder::Column::ServerExists,
            Expr::value(Option::<i32>::None),
        )
        .col_expr(
            mailbox_folder::Column::SyncedRange,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            mailbox_folder::Column::Phase,
            Expr::value(Option::<String>::None),
        )
        .col_expr(mailbox_folder::Column::InRange, Expr::value(0))
        .col_expr(mailbox_folder::Column::HeadersDone, Expr::value(0))
        .col_expr(mailbox_folder::Column::BodiesDone, Expr::value(0))
        .filter(mailbox_folder::Column::Id.is_in(unselected))
        .exec(db)
        .await?;
    Ok(())
}
