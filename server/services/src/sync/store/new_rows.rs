//! New message rows, written in statements of one fixed shape: the SQL of a statement of
//! [`ROWS_PER_STATEMENT`] rows (and of one row, for the tail of a batch) is built once per
//! batch, and each statement then only binds its rows' values. Building the whole batch as
//! one statement (`insert_many`) had sea_query write and the database prepare a new
//! statement of a new length for every batch, and took a third of the sync's writes
//! (docs/benchmarks.md, twenty-seventh round); the same text each time is prepared once
//! per connection and kept in the driver's statement cache.

use super::{BodyState, FolderKey, HeaderRow, NewBody, body_bytes};
use crate::{entities::message, error::ServiceResult};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QuerySelect, Statement, TransactionTrait, Value,
    sea_query::{Expr, OnConflict, Query},
};

/// Rows per statement: 64 × 28 = 1,792 values, under SQLite's 32,766 and PostgreSQL's
/// 65,535 bound values per statement.
const ROWS_PER_STATEMENT: usize = 64;

/// The columns a new row sets, in the order [`values`] gives them (`id` and
/// `crm_checked` take their defaults).
const COLUMNS: [message::Column; 28] = [
    message::Column::MailboxId,
    message::Column::FolderId,
    message::Column::Uidvalidity,
    message::Column::Uid,
    message::Column::MessageId,
    message::Column::ThreadId,
    message::Column::InReplyTo,
    message::Column::References,
    message::Column::Subject,
    message::Column::FromName,
    message::Column::FromAddress,
    message::Column::ToList,
    message::Column::CcList,
    message::Column::ReplyTo,
    message::Column::SentAt,
    message::Column::ReceivedAt,
    message::Column::Size,
    message::Column::Seen,
    message::Column::Flagged,
    message::Column::Answered,
    message::Column::Draft,
    message::Column::BodyState,
    message::Column::TextBody,
    message::Column::HtmlBody,
    message::Column::Snippet,
    message::Column::Attachments,
    message::Column::BodyBytes,
    message::Column::Automated,
];

/// Stores `rows` in one transaction; with `adopt`, a row of an older UIDVALIDITY that is
/// the same message is moved to its new UID instead (`super::insert_headers`).
pub async fn insert_rows_once(
    db: &DatabaseConnection,
    key: FolderKey,
    rows: &[(HeaderRow, NewBody)],
    adopt: bool,
) -> ServiceResult<()> {
    let txn = db.begin().await?;
    let mut fresh = Vec::with_capacity(rows.len());
    for (row, body) in rows {
        if adopt && adopt_row(&txn, key, row).await? {
            continue;
        }
        fresh.push((row, body));
    }
    let backend = txn.get_database_backend();
    let full = statement_sql(backend, ROWS_PER_STATEMENT);
    let mut parts = fresh.chunks_exact(ROWS_PER_STATEMENT);
    for part in parts.by_ref() {
        let bound = part.iter().flat_map(|(row, body)| values(key, row, body));
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            full.as_str(),
            bound,
        ))
        .await?;
    }
    let tail = parts.remainder();
    if !tail.is_empty() {
        let bound = tail.iter().flat_map(|(row, body)| values(key, row, body));
        let sql = statement_sql(backend, tail.len());
        txn.execute_raw(Statement::from_sql_and_values(backend, sql, bound))
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// `INSERT … VALUES` of `rows` rows of [`COLUMNS`]. A row already there was stored since
/// this run read what the folder holds: by a batch of an abandoned run that was still
/// being written (its task is aborted with the run, but a write already on its way
/// lands). This run fetched later, so its flags win; the rest of the row is the same
/// message.
fn statement_sql(backend: DbBackend, rows: usize) -> String {
    let mut insert = Query::insert();
    insert.into_table(message::Entity).columns(COLUMNS);
    for _ in 0..rows {
        // Only the placeholders matter: every value is bound as a parameter.
        insert.values_panic(COLUMNS.map(|_| Expr::val(Value::BigInt(None))));
    }
    insert.on_conflict(
        OnConflict::columns([
            message::Column::FolderId,
            message::Column::Uidvalidity,
            message::Column::Uid,
        ])
        .update_columns([
            message::Column::Seen,
            message::Column::Flagged,
            message::Column::Answered,
            message::Column::Draft,
        ])
        .to_owned(),
    );
    backend.build(&insert).sql
}

/// A new row's values, in the order of [`COLUMNS`].
fn values(key: FolderKey, row: &HeaderRow, body: &NewBody) -> [Value; 28] {
    let e = &row.envelope;
    let (state, content) = match body {
        NewBody::Pending => (BodyState::Pending, None),
        NewBody::Stored(content) => (BodyState::Stored, Some(content)),
        NewBody::TooLarge => (BodyState::TooLarge, None),
        NewBody::OverQuota => (BodyState::OverQuota, None),
    };
    let people = |list: &[crate::sync::parse::Person]| Value::from(message::People(list.to_vec()));
    [
        key.mailbox_id.into(),
        key.folder_id.into(),
        key.uidvalidity.into(),
        row.uid.into(),
        e.message_id.clone().into(),
        e.thread_id.clone().into(),
        e.in_reply_to.clone().into(),
        e.references.join(" ").into(),
        e.subject.clone().into(),
        e.from.name.clone().into(),
        e.from.address.clone().into(),
        people(&e.to),
        people(&e.cc),
        people(&e.reply_to),
        e.sent_at.into(),
        row.received_at.into(),
        row.size.into(),
        row.flags.seen.into(),
        row.flags.flagged.into(),
        row.flags.answered.into(),
        row.flags.draft.into(),
        state.into(),
        content.and_then(|c| c.text.clone()).into(),
        content.and_then(|c| c.html.clone()).into(),
        content
            .map(|c| c.snippet.clone())
            .unwrap_or_default()
            .into(),
        Value::from(message::Attachments(
            content.map(|c| c.attachments.clone()).unwrap_or_default(),
        )),
        content.map_or(0, body_bytes).into(),
        e.automated.into(),
    ]
}

async fn adopt_row(
    db: &impl ConnectionTrait,
    key: FolderKey,
    row: &HeaderRow,
) -> ServiceResult<bool> {
    let Some(message_id) = &row.envelope.message_id else {
        return Ok(false);
    };
    let old = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::FolderId.eq(key.folder_id))
        .filter(message::Column::Uidvalidity.ne(key.uidvalidity))
        .filter(message::Column::MessageId.eq(message_id.as_str()))
        .filter(message::Column::Size.eq(row.size))
        .filter(match row.envelope.sent_at {
            Some(at) => message::Column::SentAt.eq(at),
            None => message::Column::SentAt.is_null(),
        })
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?;
    let Some(id) = old else {
        return Ok(false);
    };
    message::Entity::update_many()
        .col_expr(message::Column::Uidvalidity, key.uidvalidity.into())
        .col_expr(message::Column::Uid, row.uid.into())
        .col_expr(message::Column::Seen, row.flags.seen.into())
        .col_expr(message::Column::Flagged, row.flags.flagged.into())
        .col_expr(message::Column::Answered, row.flags.answered.into())
        .col_expr(message::Column::Draft, row.flags.draft.into())
        .filter(message::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(true)
}
