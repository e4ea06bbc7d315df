//! Search over synced mail: sender, recipients, subject and body; SQLite FTS5 or PostgreSQL
//! full-text (the index and its triggers: `migration/m20261130_000050_message_search.rs`).
//!
//! Every word typed must start a word of the message (any case, Cyrillic or Latin, no
//! stemming): "рах" finds "Рахунок №17". A word with punctuation inside, like an address,
//! is its parts: "anna@acme.com" needs the words `anna`, `acme` and one starting `com`.

use super::{
    messages::{ListedMessage, folder_of, list_columns, row},
    search_index,
};
use crate::{
    accounts::Actor,
    entities::message,
    error::{ServiceError, ServiceResult},
    mailboxes::readable,
};
use domain::{MailScope, MessageRow, SearchResults};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, ExprTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
    sea_query::{Expr, SimpleExpr},
};

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most words a query may have.
pub const MAX_QUERY_WORDS: usize = 10;

/// Rows a search indexes first when the index is behind the stored mail (see
/// [`search_index`]): about half a second's work; more stays for the background task.
pub const CATCH_UP_ON_SEARCH: u64 = 5_000;

/// Messages in `scope` matching every word of `query`, newest first. Mail stored but not
/// yet indexed is indexed first, up to [`CATCH_UP_ON_SEARCH`] rows; what remains is
/// counted in [`SearchResults::unindexed`].
pub async fn search_messages(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: &Actor,
    scope: MailScope,
    query: &str,
) -> ServiceResult<SearchResults> {
    let query = query.trim();
    let terms = terms(query)?;
    let lanes = lanes(db, actor, scope).await?;
    let unindexed = match search_index::catch_up(db, CATCH_UP_ON_SEARCH).await? {
        0 => 0,
        _ => unindexed_in(db, &lanes).await?,
    };
    let mut messages = match db.get_database_backend() {
        DbBackend::Sqlite => sqlite_matches(db, &terms, &lanes).await?,
        DbBackend::Postgres => postgres_matches(db, &terms, &lanes).await?,
        _ => {
            return Err(ServiceError::Internal(anyhow::anyhow!(
                "search needs SQLite or PostgreSQL"
            )));
        }
    };
    messages.sort_by_key(|m| std::cmp::Reverse((m.received_at, m.id)));
    let limit = usize::try_from(SearchResults::LIMIT).unwrap_or(usize::MAX);
    let more = messages.len() > limit;
    messages.truncate(limit);
    Ok(SearchResults {
        scope,
        query: query.to_owned(),
        messages,
        more,
        unindexed,
    })
}

/// Where a search looks: a whole mailbox, or one folder.
#[derive(Clone, Copy)]
enum Lane {
    Mailbox(i64),
    Folder(i64),
}

impl Lane {
    fn rows(self) -> SimpleExpr {
        match self {
            Lane::Mailbox(id) => message::Column::MailboxId.eq(id),
            Lane::Folder(id) => message::Column::FolderId.eq(id),
        }
    }

    fn holds(self, m: &MessageRow) -> bool {
        match self {
            Lane::Mailbox(id) => m.mailbox_id == id,
            Lane::Folder(id) => m.folder_id == id,
        }
    }

    /// Its token in the FTS5 `place` column.
    fn token(self) -> String {
        match self {
            Lane::Mailbox(id) => format!("\"m{id}\""),
            Lane::Folder(id) => format!("\"f{id}\""),
        }
    }
}

/// The lanes `scope` covers after the access check: every readable mailbox for
/// [`MailScope::All`] (none for a user who may read none).
async fn lanes(
    db: &impl ConnectionTrait,
    actor: &Actor,
    scope: MailScope,
) -> ServiceResult<Vec<Lane>> {
    Ok(match scope {
        MailScope::All => crate::mailboxes::readable_ids(db, actor)
            .await?
            .into_iter()
            .map(Lane::Mailbox)
            .collect(),
        MailScope::Mailbox(mailbox) => {
            readable(db, actor, mailbox).await?;
            vec![Lane::Mailbox(mailbox)]
        }
        MailScope::Folder { mailbox, folder } => {
            folder_of(db, actor, mailbox, folder).await?;
            vec![Lane::Folder(folder)]
        }
    })
}

/// Messages in `lanes` still waiting for the full-text index (only the caller's own lanes
/// are counted: others' mail is none of their business).
async fn unindexed_in(db: &impl ConnectionTrait, lanes: &[Lane]) -> ServiceResult<u64> {
    if lanes.is_empty() {
        return Ok(0);
    }
    let in_lanes = lanes
        .iter()
        .map(|lane| lane.rows())
        .reduce(|a, b| a.or(b))
        .unwrap_or_else(|| Expr::val(false));
    Ok(message::Entity::find()
        .filter(Expr::cust(
            "\"messages\".\"id\" IN (SELECT id FROM message_search_queue)",
        ))
        .filter(in_lanes)
        .count(db)
        .await?)
}

/// Up to a page and one of the rows `matched` picks (in `lane` when given), newest first.
async fn page(
    db: &impl ConnectionTrait,
    matched: SimpleExpr,
    lane: Option<Lane>,
) -> ServiceResult<Vec<MessageRow>> {
    let mut select = list_columns(message::Entity::find()).filter(matched);
    if let Some(lane) = lane {
        select = select.filter(lane.rows());
    }
    let rows = select
        .order_by_desc(message::Column::ReceivedAt)
        .order_by_desc(message::Column::Id)
        .limit(SearchResults::LIMIT + 1)
        .into_model::<ListedMessage>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(row).collect())
}

/// SQLite: FTS5 matches the words and the lanes at once and hands out rowids newest first
/// (the rowid is `received_at` above the message id, see the migration), so only one
/// page's worth of matches is ever read.
async fn sqlite_matches(
    db: &impl ConnectionTrait,
    terms: &[Vec<&str>],
    lanes: &[Lane],
) -> ServiceResult<Vec<MessageRow>> {
    if lanes.is_empty() {
        return Ok(Vec::new());
    }
    let places: Vec<String> = lanes.iter().map(|lane| lane.token()).collect();
    let fts = format!(
        "{{sender recipients subject body}} : ({}) AND place : ({})",
        fts5_query(terms),
        places.join(" OR ")
    );
    let matched = Expr::cust_with_values(
        format!(
            "\"messages\".\"id\" IN (SELECT rowid & 2147483647 FROM message_search \
             WHERE message_search MATCH ? ORDER BY rowid DESC LIMIT {})",
            SearchResults::LIMIT + 1
        ),
        [fts],
    );
    // The lanes are checked again on the rows read, not in SQL: a condition on
    // `mailbox_id` there would tempt SQLite to walk that index instead of the ids.
    let mut rows = page(db, matched, None).await?;
    rows.retain(|m| lanes.iter().any(|lane| lane.holds(m)));
    Ok(rows)
}

/// PostgreSQL: one query per lane, each walking that mailbox's or folder's newest-first
/// index or the GIN index, whichever the planner finds cheaper; the pages are merged.
async fn postgres_matches(
    db: &impl ConnectionTrait,
    terms: &[Vec<&str>],
    lanes: &[Lane],
) -> ServiceResult<Vec<MessageRow>> {
    let tsquery = tsquery(terms);
    let mut rows = Vec::new();
    for lane in lanes {
        let matched = Expr::cust_with_values(
            "\"messages\".\"search\" @@ to_tsquery('simple', lower($1))",
            [tsquery.clone()],
        );
        rows.extend(page(db, matched, Some(*lane)).await?);
    }
    Ok(rows)
}

/// The query's words, each split at punctuation into parts the index splits the same way
/// ("anna@acme.com" → `anna`, `acme`, `com`). Words of punctuation alone are dropped; a
/// query with no word left, or too long a query, is refused.
fn terms(query: &str) -> ServiceResult<Vec<Vec<&str>>> {
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ServiceError::invalid("query", "at most 200 characters"));
    }
    let terms: Vec<Vec<&str>> = query
        .split_whitespace()
        .map(|word| {
            word.split(|c: char| !c.is_alphanumeric())
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|parts| !parts.is_empty())
        .collect();
    if terms.is_empty() {
        return Err(ServiceError::invalid("query", "type a word to search for"));
    }
    if terms.len() > MAX_QUERY_WORDS {
        return Err(ServiceError::invalid("query", "at most 10 words"));
    }
    Ok(terms)
}

/// Each part of each word quoted (so no operator — `OR`, `NEAR`, `*`, `:`, parentheses —
/// is left to the user), the last part of a word a prefix, all ANDed. Parts need not be
/// adjacent: the index keeps no word positions.
fn quoted_parts(
    terms: &[Vec<&str>],
    quote: impl Fn(&str) -> String,
    prefix: &str,
    and: &str,
) -> String {
    let quote = &quote;
    terms
        .iter()
        .flat_map(|parts| {
            parts.iter().enumerate().map(move |(i, part)| {
                let last = i + 1 == parts.len();
                format!("{}{}", quote(part), if last { prefix } else { "" })
            })
        })
        .collect::<Vec<_>>()
        .join(and)
}

/// An FTS5 query: `"рах"* AND "anna" AND "acme" AND "com"*`.
fn fts5_query(terms: &[Vec<&str>]) -> String {
    quoted_parts(
        terms,
        |p| format!("\"{}\"", p.replace('"', "\"\"")),
        "*",
        " AND ",
    )
}

/// A PostgreSQL tsquery: `'рах':* & 'anna' & 'acme' & 'com':*`.
fn tsquery(terms: &[Vec<&str>]) -> String {
    quoted_parts(
        terms,
        |p| format!("'{}'", p.replace('\\', "\\\\").replace('\'', "''")),
        ":*",
        " & ",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_at_punctuation_and_are_quoted() {
        let t = terms("  Рах  anna@acme.com \"OR\" * NEAR( ) ").unwrap();
        assert_eq!(
            t,
            vec![
                vec!["Рах"],
                vec!["anna", "acme", "com"],
                vec!["OR"],
                vec!["NEAR"]
            ]
        );
        assert_eq!(
            fts5_query(&t),
            "\"Рах\"* AND \"anna\" AND \"acme\" AND \"com\"* AND \"OR\"* AND \"NEAR\"*"
        );
        assert_eq!(
            tsquery(&t),
            "'Рах':* & 'anna' & 'acme' & 'com':* & 'OR':* & 'NEAR':*"
        );
    }

    #[test]
    fn empty_long_and_wordy_queries_are_refused() {
        for q in ["", "   ", "* \" ( ) :"] {
            assert!(
                matches!(terms(q), Err(ServiceError::Invalid { .. })),
                "{q:?}"
            );
        }
        assert!(terms(&"a".repeat(201)).is_err());
        assert!(terms(&"a".repeat(200)).is_ok());
        assert!(terms(&["w"; 11].join(" ")).is_err());
        assert!(terms(&["w"; 10].join(" ")).is_ok());
    }
}
