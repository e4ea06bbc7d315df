//! New message rows, written in statements of one fixed shape: the SQL of a statement of
//! [`ROWS_PER_STATEMENT`] rows (the batch's tail in halving shapes) is built once per batch,
//! and each statement then only binds its rows' values; the same few texts are prepared
//! once per connection and kept in the driver's statement cache. Building a whole batch as one
//! statement (`insert_many` of up to 1,000 rows) held copies of every body of the batch at
//! once in the built statement and in the driver's values: a 10k first sync peaked
//! 6–8 MB higher, and spent a little more CPU (docs/benchmarks.md, twenty-seventh round).

use super::{BodyState, FolderKey, HeaderRow, NewBody, body_bytes};
use crate::{
    entities::message,
    error::ServiceResult,
    sync::progress::{self, Advance},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QuerySelect, Statement, TransactionTrait, Value,
    sea_query::{Expr, OnConflict, Query},
};
use std::collections::HashMap;

/// Rows per statement: 64 × 28 = 1,792 values, under SQLite's 32,766 and PostgreSQL's
/// 65,535 bound values per statement.
const ROWS_PER_STATEMENT: usize = 64;

/// The rows of the next statement when `left` rows are left: [`ROWS_PER_STATEMENT`], or the
/// largest power of two not above `left`. So at most seven shapes of statement (64, 32, …,
/// 1 rows) are ever prepared and cached per connection, whatever the batches' lengths.
fn rows_in_next_statement(left: usize) -> usize {
    if left >= ROWS_PER_STATEMENT {
        ROWS_PER_STATEMENT
    } else {
        1 << left.max(1).ilog2()
    }
}

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

/// Stores `rows` in one transaction, with the batch's `advance` of its folder's counts;
/// with `adopt`, a row of an older UIDVALIDITY that is the same message is moved to its new
/// UID instead (`super::insert_headers`).
pub async fn insert_rows_once(
    db: &DatabaseConnection,
    key: FolderKey,
    rows: &[(HeaderRow, NewBody)],
    adopt: bool,
    advance: Option<Advance>,
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
    let mut sql: HashMap<usize, String> = HashMap::new();
    let mut rest = fresh.as_slice();
    while !rest.is_empty() {
        let (part, tail) = rest.split_at(rows_in_next_statement(rest.len()));
        let sql = sql
            .entry(part.len())
            .or_insert_with(|| statement_sql(backend, part.len()));
        let bound = part.iter().flat_map(|(row, body)| values(key, row, body));
        txn.execute_raw(Statement::from_sql_and_values(backend, sql.as_str(), bound))
            .await?;
        rest = tail;
    }
    if let Some(step) = advance {
        progress::advance(&txn, step).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_take_64_rows_then_halving_shapes() {
        let shapes = |mut left: usize| {
            let mut out = Vec::new();
            while left > 0 {
                let n = rows_in_next_statement(left);
                out.push(n);
                left -= n;
            }
            out
        };
        assert_eq!(shapes(1), [1]);
        assert_eq!(shapes(64), [64]);
        assert_eq!(shapes(130), [64, 64, 2]);
        assert_eq!(shapes(263), [64, 64, 64, 64, 4, 2, 1]);
        assert_eq!(shapes(63), [32, 16, 8, 4, 2, 1]);
        let mut seen = std::collections::BTreeSet::new();
        for n in 1..=1000 {
            let s = shapes(n);
            assert_eq!(s.iter().sum::<usize>(), n);
            seen.extend(s);
        }
        assert_eq!(seen.len(), 7, "{seen:?}");
    }
}
