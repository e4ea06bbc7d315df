//! Who sees which mailbox: its owner always; users granted a shared mailbox while the
//! plan allows shared access. Everyone else gets "not found", as if it did not exist.

use super::{connect::plan_of, plan_limits::grant_to_mailbox};
use crate::{
    accounts::Actor,
    entities::{mailbox, mailbox_folder, mailbox_grant, user, workspace},
    error::{ServiceError, ServiceResult},
};
use domain::{Access, FolderChoice, MailboxDetails, MailboxSettings, MailboxView, Plan};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType,
    QueryFilter, QueryOrder, QueryResult, QuerySelect,
    sea_query::{Expr, ExprTrait, Query, SelectStatement},
};
use std::collections::HashMap;

/// The caller's mailboxes and those shared with them, oldest first.
pub async fn visible_mailboxes(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> ServiceResult<Vec<MailboxView>> {
    let plan = plan_of(db, actor.workspace_id).await?;
    let mut rows = mailbox::Entity::find()
        .filter(mailbox::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(mailbox::Column::OwnerId.eq(actor.user_id))
        .all(db)
        .await?;
    if plan.allows_shared_access() {
        let granted: Vec<i64> = mailbox_grant::Entity::find()
            .join(JoinType::InnerJoin, grant_to_mailbox())
            .filter(mailbox_grant::Column::UserId.eq(actor.user_id))
            .filter(mailbox::Column::Access.eq(Access::Shared.as_str()))
            .filter(mailbox::Column::WorkspaceId.eq(actor.workspace_id))
            .all(db)
            .await?
            .into_iter()
            .map(|g| g.mailbox_id)
            .collect();
        if !granted.is_empty() {
            rows.extend(
                mailbox::Entity::find()
                    .filter(mailbox::Column::Id.is_in(granted))
                    .filter(mailbox::Column::OwnerId.ne(actor.user_id))
                    .all(db)
                    .await?,
            );
        }
    }
    rows.sort_by_key(|m| m.id);
    let owners: HashMap<i64, String> = user::Entity::find()
        .filter(user::Column::WorkspaceId.eq(actor.workspace_id))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    Ok(rows.iter().map(|m| view(m, actor, plan, &owners)).collect())
}

fn view(
    m: &mailbox::Model,
    actor: &Actor,
    plan: Plan,
    owners: &HashMap<i64, String>,
) -> MailboxView {
    let access = m.access;
    MailboxView {
        id: m.id,
        name: m.mailbox_name.clone(),
        email: m.email.clone(),
        provider: m.provider,
        access,
        shared_suspended: access == Access::Shared && !plan.allows_shared_access(),
        crm_suspended: m.crm_mode != domain::CrmMode::Off && !plan.allows_crm_links(),
        owner_name: owners.get(&m.owner_id).cloned().unwrap_or_default(),
        is_owner: m.owner_id == actor.user_id,
        status: m.status,
        auth: m.auth,
        last_sync_at: m.last_sync_at.map(|t| domain::Timestamp(t.timestamp())),
        next_sync_at: m.next_sync_at.map(|t| domain::Timestamp(t.timestamp())),
    }
}

/// How the caller reaches a mailbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    Owner,
    Grantee,
    None,
}

/// A mailbox row with the caller's reach, read in one query: the row (scoped to the
/// caller's workspace) and whether a grant of a shared mailbox exists while the
/// workspace's plan allows shared access.
struct Reached {
    row: mailbox::Model,
    granted: bool,
}

impl FromQueryResult for Reached {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Reached {
            row: mailbox::Model::from_query_result(res, pre)?,
            granted: res.try_get::<bool>(pre, "granted")?,
        })
    }
}

async fn reach(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<(mailbox::Model, Reach)> {
    let found = mailbox::Entity::find_by_id(id)
        .filter(mailbox::Column::WorkspaceId.eq(actor.workspace_id))
        .column_as(Expr::from(shared_with_me(actor)), "granted")
        .into_model::<Reached>()
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let reach = if found.row.owner_id == actor.user_id {
        Reach::Owner
    } else if found.granted {
        Reach::Grantee
    } else {
        Reach::None
    };
    Ok((found.row, reach))
}

/// A mailbox the caller owns. A grantee gets `OwnerOnly`; anyone else `NotFound`.
pub async fn owned(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<mailbox::Model> {
    match reach(db, actor, id).await? {
        (row, Reach::Owner) => Ok(row),
        (_, Reach::Grantee) => Err(ServiceError::OwnerOnly),
        (_, Reach::None) => Err(ServiceError::NotFound),
    }
}

/// A mailbox the caller may read: theirs, or shared with them while the plan allows.
pub async fn readable(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<mailbox::Model> {
    match reach(db, actor, id).await? {
        (row, Reach::Owner | Reach::Grantee) => Ok(row),
        (_, Reach::None) => Err(ServiceError::NotFound),
    }
}

/// Everything the owner's Settings page shows (never the password).
pub async fn details(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<MailboxDetails> {
    let row = owned(db, actor, id).await?;
    let plan = plan_of(db, actor.workspace_id).await?;
    let owners = HashMap::from([(row.owner_id, String::new())]);
    let folders = mailbox_folder::Entity::find()
        .filter(mailbox_folder::Column::MailboxId.eq(id))
        .order_by_asc(mailbox_folder::Column::Id)
        .all(db)
        .await?;
    let grantees = mailbox_grant::Entity::find()
        .filter(mailbox_grant::Column::MailboxId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|g| g.user_id)
        .collect();
    Ok(MailboxDetails {
        view: view(&row, actor, plan, &owners),
        settings: MailboxSettings {
            sender_name: row.sender_name.clone(),
            mailbox_name: row.mailbox_name.clone(),
            access: row.access,
            grantees,
            crm_mode: row.crm_mode,
            crm_create: row.crm_create,
            period: row.period,
            folders: folders
                .iter()
                .filter(|f| f.selected)
                .map(|f| f.name.clone())
                .collect(),
        },
        imap: row.imap_server(),
        smtp: row.smtp_server(),
        folders: folders
            .into_iter()
            .map(|f| FolderChoice {
                depth: usize::try_from(f.depth).unwrap_or_default(),
                name: f.name,
                display_name: f.display_name,
                special_use: f.special_use,
                selected: f.selected,
            })
            .collect(),
    })
}

/// The mailboxes the caller may read, in one query: their own, and those shared with
/// them while their workspace's plan allows shared access (as `mailboxes::readable`).
pub async fn readable_ids(db: &impl ConnectionTrait, actor: &Actor) -> ServiceResult<Vec<i64>> {
    Ok(mailbox::Entity::find()
        .select_only()
        .column(mailbox::Column::Id)
        .filter(readable_condition(actor))
        .into_tuple::<i64>()
        .all(db)
        .await?)
}

/// The ids of the mailboxes the caller may read, as a subquery: a row of another table
/// filtered on `mailbox_id IN (…)` is checked in the same statement that reads it.
pub(crate) fn readable_subquery(actor: &Actor) -> SelectStatement {
    Query::select()
        .column(mailbox::Column::Id)
        .from(mailbox::Entity)
        .cond_where(readable_condition(actor))
        .to_owned()
}

/// The plans under which a shared mailbox is read by its grantees.
fn sharing_plans() -> Vec<&'static str> {
    Plan::ALL
        .iter()
        .filter(|p| p.allows_shared_access())
        .map(|p| p.as_str())
        .collect()
}

/// Which mailbox rows the caller may read (what [`readable`] decides for one): in their
/// workspace, and theirs or shared with them while the plan allows shared access.
fn readable_condition(actor: &Actor) -> Condition {
    Condition::all()
        .add(mailbox::Column::WorkspaceId.eq(actor.workspace_id))
        .add(
            Condition::any()
                .add(mailbox::Column::OwnerId.eq(actor.user_id))
                .add(shared_with_me(actor)),
        )
}

/// Whether a mailbox row is shared with the caller: a shared mailbox they were granted,
/// while its workspace's plan allows shared access.
fn shared_with_me(actor: &Actor) -> Condition {
    let grants = Query::select()
        .column(mailbox_grant::Column::MailboxId)
        .from(mailbox_grant::Entity)
        .and_where(Expr::col(mailbox_grant::Column::UserId).eq(actor.user_id))
        .to_owned();
    let sharing = Query::select()
        .column(workspace::Column::Id)
        .from(workspace::Entity)
        .and_where(Expr::col(workspace::Column::Plan).is_in(sharing_plans()))
        .to_owned();
    Condition::all()
        .add(mailbox::Column::Access.eq(Access::Shared.as_str()))
        .add(mailbox::Column::Id.in_subquery(grants))
        .add(mailbox::Column::WorkspaceId.in_subquery(sharing))
}
