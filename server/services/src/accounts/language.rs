use crate::{entities::user, error::ServiceResult};
use domain::Language;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, sea_query::Expr};

/// Remembers the interface language of one user.
pub async fn set_language(
    db: &DatabaseConnection,
    user_id: i64,
    language: Language,
) -> ServiceResult<()> {
    user::Entity::update_many()
        .col_expr(user::Column::Language, Expr::value(language.code()))
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
