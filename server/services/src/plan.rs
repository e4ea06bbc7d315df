//! Changing the workspace plan. A downgrade deletes nothing (SPEC § Plans): limits and
//! features are checked where they are used, against the plan in force at that moment.

use crate::{accounts::Actor, entities::workspace, error::ServiceResult};
use domain::Plan;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, sea_query::Expr};

pub async fn set_plan(db: &DatabaseConnection, actor: &Actor, plan: Plan) -> ServiceResult<()> {
    actor.require_admin()?;
    workspace::Entity::update_many()
        .col_expr(workspace::Column::Plan, Expr::value(plan.as_str()))
        .filter(workspace::Column::Id.eq(actor.workspace_id))
        .exec(db)
        .await?;
    // The new interval applies at once (SPEC § Sync).
    crate::sync::schedule::reschedule_workspace(db, actor.workspace_id, plan, chrono::Utc::now())
        .await?;
    tracing::info!(workspace = actor.workspace_id, plan = %plan, "plan changed");
    Ok(())
}
