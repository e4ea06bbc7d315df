//! The workspace's CRM records: contacts (name, addresses, phones, company), companies
//! (name, domains), leads and deals (title, stage, owner, amount, contact, company).
//! Any member of a workspace may list, open, create, edit and delete its records (a team
//! CRM, on every plan); nothing reaches another workspace's: its ids answer `NotFound`.
//! Every field is bounded before use (`fields`). An address belongs to one contact and a
//! domain to one company per workspace: a save that would take one from another record
//! is refused with `SaveError::Taken` naming it. Deleting a record removes its links to
//! mail in the same transaction.

mod card;
mod claim;
mod delete;
pub mod fields;
mod list;
mod save;

pub use card::record_card;
pub use claim::{NewContact, claim_contact, contact_with};
pub use delete::delete_record;
pub use list::{PAGE_SIZE, choices, list_records, owners, refs};
pub use save::{save_company, save_contact, save_deal};

use crate::{
    accounts::Actor,
    entities::{crm_company, crm_contact, crm_deal, user},
    error::{ServiceError, ServiceResult},
};
use domain::CrmKind;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// Why a save was refused: a field out of bounds (and everything else), or an address or
/// domain that already belongs to another record of the workspace, named.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// `field` is `email` (another contact has it) or `domain` (another company has it).
    #[error("{value} already belongs to another record")]
    Taken { field: &'static str, value: String },
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<sea_orm::DbErr> for SaveError {
    fn from(err: sea_orm::DbErr) -> Self {
        SaveError::Service(err.into())
    }
}

/// For callers that need no name: `Invalid { field, reason: "taken" }`.
impl From<SaveError> for ServiceError {
    fn from(err: SaveError) -> Self {
        match err {
            SaveError::Taken { field, .. } => ServiceError::invalid(field, "taken"),
            SaveError::Service(err) => err,
        }
    }
}

pub type SaveResult<T> = Result<T, SaveError>;

/// A transaction that will write: on SQLite it starts as the writer (`BEGIN IMMEDIATE`),
/// so two saves never both check an address free and then both take it.
async fn begin_write(db: &DatabaseConnection) -> ServiceResult<DatabaseTransaction> {
    Ok(db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?)
}

/// Lead or deal: the `kind` column's value; contacts and companies are not in that table.
fn deal_kind(kind: CrmKind) -> ServiceResult<&'static str> {
    match kind {
        CrmKind::Lead | CrmKind::Deal => Ok(kind.as_str()),
        _ => Err(ServiceError::invalid("kind", "unknown")),
    }
}

/// Whether the workspace has the record.
pub async fn exists(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    kind: CrmKind,
    id: i64,
) -> ServiceResult<bool> {
    let count = match kind {
        CrmKind::Contact => {
            crm_contact::Entity::find()
                .filter(crm_contact::Column::Id.eq(id))
                .filter(crm_contact::Column::WorkspaceId.eq(workspace_id))
                .count(db)
                .await?
        }
        CrmKind::Company => {
            crm_company::Entity::find()
                .filter(crm_company::Column::Id.eq(id))
                .filter(crm_company::Column::WorkspaceId.eq(workspace_id))
                .count(db)
                .await?
        }
        CrmKind::Lead | CrmKind::Deal => {
            crm_deal::Entity::find()
                .filter(crm_deal::Column::Id.eq(id))
                .filter(crm_deal::Column::WorkspaceId.eq(workspace_id))
                .filter(crm_deal::Column::Kind.eq(kind.as_str()))
                .count(db)
                .await?
        }
    };
    Ok(count > 0)
}

/// A record the saved one points to (a contact's company, a deal's contact or company):
/// none, or one of the actor's workspace — else the field is refused.
async fn check_ref(
    db: &impl ConnectionTrait,
    actor: &Actor,
    field: &'static str,
    kind: CrmKind,
    id: Option<i64>,
) -> ServiceResult<()> {
    match id {
        Some(id) if !exists(db, actor.workspace_id, kind, id).await? => {
            Err(ServiceError::invalid(field, "unknown"))
        }
        _ => Ok(()),
    }
}

/// An owner: none, or a member of the actor's workspace.
async fn check_owner(
    db: &impl ConnectionTrait,
    actor: &Actor,
    owner_id: Option<i64>,
) -> ServiceResult<()> {
    let Some(owner_id) = owner_id else {
        return Ok(());
    };
    let members = user::Entity::find()
        .filter(user::Column::Id.eq(owner_id))
        .filter(user::Column::WorkspaceId.eq(actor.workspace_id))
        .count(db)
        .await?;
    if members == 0 {
        return Err(ServiceError::invalid("owner", "unknown"));
    }
    Ok(())
}
