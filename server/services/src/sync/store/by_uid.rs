//! Many rows of one folder generation written in one statement: an `UPDATE … FROM (VALUES
//! …)` whose VALUES rows each find their message through the unique (folder, UIDVALIDITY,
//! UID) index, whatever the database's statistics say. The bodies of a batch and the flags
//! another client changed are written this way; on PostgreSQL, the rows of expunged,
//! too-large and over-quota UIDs are picked the same way (`ids_of`).

use super::FolderKey;
use crate::{entities::message, error::ServiceResult};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, Statement, Value,
    sea_query::{Expr, ExprTrait, Query},
};

/// Gives the rows of `items`' UIDs new values, `per_statement` rows a statement, within the
/// transaction `txn`. `row` turns an item into its values, the UID first; `types` are
/// their SQL types (the UID's `BIGINT` first); `set` is the SET list, which names them
/// `v.column2`, `v.column3`… On PostgreSQL the transaction's hash and merge joins are off
/// from here on, so that each VALUES row is joined to its message by the primary key (a
/// nested loop) and nothing reads the whole folder.
pub(super) async fn update_by_uid<T>(
    txn: &DatabaseTransaction,
    key: FolderKey,
    (set, types): (&str, &[&str]),
    items: &[T],
    per_statement: usize,
    row: impl Fn(&T) -> Vec<Value>,
) -> ServiceResult<()> {
    let backend = txn.get_database_backend();
    if backend == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
            .await?;
    }
    for chunk in items.chunks(per_statement) {
        let rows = chunk.iter().map(&row);
        txn.execute_raw(statement(backend, key, set, types, rows))
            .await?;
    }
    Ok(())
}

/// One UPDATE of [`update_by_uid`]. Each VALUES row finds its message's id through the
/// unique index in a subquery of its own, then the row by that id. Joined on the UID
/// instead, PostgreSQL, its statistics taken while the table was smaller, hashed the VALUES
/// and read every row of the folder for each statement, and a Re-sync of 100,000 bodies
/// took minutes instead of seconds; with hash joins off that join still read the whole
/// folder once per statement, as the outer side of a nested loop (docs/benchmarks.md,
/// thirty-ninth round). Placeholders appear in the text in the order they are pushed
/// (SQLite's `?`).
fn statement(
    backend: DbBackend,
    key: FolderKey,
    set: &str,
    types: &[&str],
    rows: impl Iterator<Item = Vec<Value>>,
) -> Statement {
    let mut params: Vec<Value> = Vec::new();
    let mut mark = |value: Value| {
        params.push(value);
        match backend {
            DbBackend::Postgres => format!("${}", params.len()),
            _ => "?".to_owned(),
        }
    };
    let values: Vec<String> = rows
        .map(|row| {
            let cells: Vec<String> = row
                .into_iter()
                .zip(types)
                .map(|(value, ty)| format!("CAST({} AS {ty})", mark(value)))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect();
    let sql = format!(
        "UPDATE messages SET {set} FROM (VALUES {}) AS v \
         WHERE messages.id = (SELECT m.id FROM messages AS m WHERE m.folder_id = {} \
         AND m.uidvalidity = {} AND m.uid = v.column1)",
        values.join(", "),
        mark(key.folder_id.into()),
        mark(key.uidvalidity.into()),
    );
    Statement::from_sql_and_values(backend, sql, params)
}

/// PostgreSQL: `messages.id = ANY(ARRAY(…))` over the ids of `uids`' rows, each looked up
/// in the unique index by a subquery of its own. The array is computed once, then each id
/// found by the primary key. As `folder_id = … AND uid IN (…)`, PostgreSQL, its statistics
/// taken while the table was smaller, chose an index on the folder alone and read every row
/// of the folder for each statement; as `id IN (lookups)` it hashed the lookups and read
/// the whole table (docs/benchmarks.md, fortieth round).
pub(super) fn ids_of(key: FolderKey, uids: &[i64]) -> Expr {
    let (m, u) = ("m", "u");
    let lookup = Query::select()
        .expr(Expr::col((m, message::Column::Id)))
        .from_as(message::Entity, m)
        .and_where(Expr::col((m, message::Column::FolderId)).eq(key.folder_id))
        .and_where(Expr::col((m, message::Column::Uidvalidity)).eq(key.uidvalidity))
        .and_where(Expr::col((m, message::Column::Uid)).equals((u, "column1")))
        .to_owned();
    let ids = Query::select()
        .expr(Expr::SubQuery(None, Box::new(lookup.into())))
        .from_values(uids.iter().copied(), u)
        .to_owned();
    Expr::cust_with_exprs(
        "$1 = ANY(ARRAY($2))",
        [
            Expr::col((message::Entity, message::Column::Id)),
            Expr::SubQuery(None, Box::new(ids.into())),
        ],
    )
}
