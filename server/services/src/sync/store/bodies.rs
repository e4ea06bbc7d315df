//! Bodies of stored messages: which are pending, the too-large mark, storing parsed bodies
//! in bulk, and sending them back to pending for **Re-sync from date**.

use super::{BodyState, FolderKey};
use crate::{db::retry_busy, entities::message, error::ServiceResult, sync::parse::Content};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement, TransactionTrait,
};

/// UIDs and sizes of messages still waiting for their bodies, newest first.
pub async fn pending_bodies(
    db: &impl ConnectionTrait,
    key: FolderKey,
) -> ServiceResult<Vec<(i64, i64)>> {
    Ok(message::Entity::find()
        .select_only()
        .columns([message::Column::Uid, message::Column::Size])
        .filter(message::Column::FolderId.eq(key.folder_id))
        .filter(message::Column::Uidvalidity.eq(key.uidvalidity))
        .filter(message::Column::BodyState.eq(BodyState::Pending.as_str()))
        .order_by_desc(message::Column::Uid)
        .into_tuple()
        .all(db)
        .await?)
}

/// Marks these messages' bodies as too large to keep.
pub async fn mark_too_large(
    db: &impl ConnectionTrait,
    key: FolderKey,
    uids: &[i64],
) -> ServiceResult<()> {
    for chunk in uids.chunks(500) {
        message::Entity::update_many()
            .col_expr(
                message::Column::BodyState,
                BodyState::TooLarge.as_str().into(),
            )
            .filter(message::Column::FolderId.eq(key.folder_id))
            .filter(message::Column::Uidvalidity.eq(key.uidvalidity))
            .filter(message::Column::Uid.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Stores a batch of parsed bodies in one transaction.
pub async fn store_bodies(
    db: &DatabaseConnection,
    key: FolderKey,
    bodies: Vec<(i64, Content)>,
) -> ServiceResult<()> {
    retry_busy(|| store_bodies_once(db, key, bodies.clone())).await
}

async fn store_bodies_once(
    db: &DatabaseConnection,
    key: FolderKey,
    bodies: Vec<(i64, Content)>,
) -> ServiceResult<()> {
    let backend = db.get_database_backend();
    let txn = db.begin().await?;
    // One UPDATE … FROM (VALUES …) per 100 messages instead of one statement each: the
    // body pass spent most of its time on per-statement overhead (docs/benchmarks.md).
    // Placeholders appear in the text in the order they are pushed (SQLite's `?`).
    for chunk in bodies.chunks(100) {
        let mut params: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 5 + 2);
        let mut mark = |value: sea_orm::Value| {
            params.push(value);
            match backend {
                DbBackend::Postgres => format!("${}", params.len()),
                _ => "?".to_owned(),
            }
        };
        let rows: Vec<String> = chunk
            .iter()
            .map(|(uid, content)| {
                let attachments =
                    serde_json::to_string(&content.attachments).unwrap_or_else(|_| "[]".into());
                format!(
                    "(CAST({} AS BIGINT), CAST({} AS TEXT), CAST({} AS TEXT), CAST({} AS TEXT), CAST({} AS TEXT))",
                    mark((*uid).into()),
                    mark(content.text.clone().into()),
                    mark(content.html.clone().into()),
                    mark(content.snippet.clone().into()),
                    mark(attachments.into()),
                )
            })
            .collect();
        let sql = format!(
            "UPDATE messages SET body_state = '{}', text_body = v.column2, html_body = v.column3, \
             snippet = v.column4, attachments = v.column5 FROM (VALUES {}) AS v \
             WHERE messages.folder_id = {} AND messages.uidvalidity = {} AND messages.uid = v.column1",
            BodyState::Stored.as_str(),
            rows.join(", "),
            mark(key.folder_id.into()),
            mark(key.uidvalidity.into()),
        );
        txn.execute_raw(Statement::from_sql_and_values(backend, sql, params))
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Sends bodies since `from` back to "pending" (Re-sync from date).
pub async fn refetch_since(
    db: &impl ConnectionTrait,
    key: FolderKey,
    from: DateTime<Utc>,
) -> ServiceResult<()> {
    message::Entity::update_many()
        .col_expr(
            message::Column::BodyState,
            BodyState::Pending.as_str().into(),
        )
        .filter(message::Column::FolderId.eq(key.folder_id))
        .filter(message::Column::ReceivedAt.gte(from))
        .filter(message::Column::BodyState.eq(BodyState::Stored.as_str()))
        .exec(db)
        .await?;
    Ok(())
}
