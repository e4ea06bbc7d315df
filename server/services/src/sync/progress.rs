//! What the UI shows while a mailbox syncs: per folder, the phase and "n of m", kept on the
//! folder row; and the folder's server state once a pass has completed.

use super::fetch::FolderState;
use crate::entities::mailbox_folder;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr};

pub use domain::SyncPhase as Phase;

/// Counts of one folder: messages in range on the server, headers stored, bodies stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub in_range: i64,
    pub headers_done: i64,
    pub bodies_done: i64,
}

fn clamp(n: i64) -> i32 {
    i32::try_from(n.max(0)).unwrap_or(i32::MAX)
}

pub async fn report(
    db: &impl ConnectionTrait,
    folder_id: i64,
    phase: Phase,
    counts: Counts,
) -> Result<(), DbErr> {
    mailbox_folder::Entity::update_many()
        .col_expr(mailbox_folder::Column::Phase, Expr::value(phase))
        .col_expr(
            mailbox_folder::Column::InRange,
            Expr::value(clamp(counts.in_range)),
        )
        .col_expr(
            mailbox_folder::Column::HeadersDone,
            Expr::value(clamp(counts.headers_done)),
        )
        .col_expr(
            mailbox_folder::Column::BodiesDone,
            Expr::value(clamp(counts.bodies_done)),
        )
        .filter(mailbox_folder::Column::Id.eq(folder_id))
        .exec(db)
        .await?;
    Ok(())
}

/// One stored batch's share of its folder's "n of m" while whole messages are fetched,
/// written by [`advance`] in the batch's own transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Advance {
    pub folder_id: i64,
    /// Messages the batch accounted for.
    pub rows: i64,
    /// New rows (their headers count too), not bodies of rows already there.
    pub new_rows: bool,
}

impl Advance {
    /// A batch of new rows, each with its body or its reason for none.
    pub fn new_rows(folder_id: i64, rows: usize) -> Advance {
        Advance {
            folder_id,
            rows: rows as i64,
            new_rows: true,
        }
    }

    /// A batch that gave rows already there their bodies (or their reason for none).
    pub fn bodies(folder_id: i64, rows: usize) -> Advance {
        Advance {
            folder_id,
            rows: rows as i64,
            new_rows: false,
        }
    }
}

/// Adds a stored batch to its folder's counts within the batch's transaction. A report of
/// its own after each batch was a commit more per batch and, on SQLite, a wait for its one
/// writer while the next batch was being written: a 10k first sync took about a tenth
/// longer (docs/benchmarks.md, forty-third round). Adding rather than setting keeps the
/// counts right when two batches are written side by side (PostgreSQL).
pub async fn advance(db: &impl ConnectionTrait, step: Advance) -> Result<(), DbErr> {
    use sea_orm::sea_query::ExprTrait as _;
    if step.rows == 0 {
        return Ok(());
    }
    let n = clamp(step.rows);
    let add = |column: mailbox_folder::Column| Expr::col(column).add(n);
    let mut update = mailbox_folder::Entity::update_many()
        .col_expr(mailbox_folder::Column::Phase, Expr::value(Phase::Bodies))
        .col_expr(
            mailbox_folder::Column::BodiesDone,
            add(mailbox_folder::Column::BodiesDone),
        );
    if step.new_rows {
        update = update.col_expr(
            mailbox_folder::Column::HeadersDone,
            add(mailbox_folder::Column::HeadersDone),
        );
    }
    update
        .filter(mailbox_folder::Column::Id.eq(step.folder_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Nothing changed on the server since the last complete pass: same generation, same
/// UIDNEXT (nothing added), same EXISTS (nothing removed), same HIGHESTMODSEQ (no flag
/// changed; CONDSTORE only), same range (`range_code`, the period's), no re-sync asked.
pub fn unchanged(
    folder: &mailbox_folder::Model,
    state: &FolderState,
    range_code: &str,
    resync: bool,
) -> bool {
    !resync
        && state.highest_modseq.is_some()
        && folder.highest_modseq == state.highest_modseq
        && folder.uidvalidity == Some(state.uidvalidity)
        && folder.uidnext == state.uidnext
        && folder.server_exists.map(i64::from) == Some(state.exists)
        && folder.synced_range.as_deref() == Some(range_code)
}

/// Records the server state a completed header pass saw, for the next run's fast path.
pub async fn remember_state(
    db: &impl ConnectionTrait,
    folder_id: i64,
    state: FolderState,
    range: &str,
) -> Result<(), DbErr> {
    mailbox_folder::Entity::update_many()
        .col_expr(
            mailbox_folder::Column::Uidvalidity,
            Expr::value(state.uidvalidity),
        )
        .col_expr(mailbox_folder::Column::Uidnext, Expr::value(state.uidnext))
        .col_expr(
            mailbox_folder::Column::HighestModseq,
            Expr::value(state.highest_modseq),
        )
        .col_expr(
            mailbox_folder::Column::ServerExists,
            Expr::value(clamp(state.exists)),
        )
        .col_expr(mailbox_folder::Column::SyncedRange, Expr::value(range))
        .col_expr(
            mailbox_folder::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .filter(mailbox_folder::Column::Id.eq(folder_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A folder-level problem (the folder vanished on the server) that did not stop the run.
pub async fn folder_error(
    db: &impl ConnectionTrait,
    folder_id: i64,
    error: &str,
) -> Result<(), DbErr> {
    mailbox_folder::Entity::update_many()
        .col_expr(mailbox_folder::Column::LastError, Expr::value(error))
        .filter(mailbox_folder::Column::Id.eq(folder_id))
        .exec(db)
        .await?;
    Ok(())
}
