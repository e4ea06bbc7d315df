//! Address completion: people the user has corresponded with, in the mailboxes they may
//! read — who wrote to them (From) and whom they wrote to (To and Cc of sent mail).

use crate::{
    accounts::Actor,
    entities::{mailbox_folder, message},
    error::{ServiceError, ServiceResult},
    mailboxes::readable_ids,
    state::AppState,
};
use domain::{AddressSuggestion, FolderRole};
use sea_orm::{
    ColumnTrait, Condition, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};
use std::collections::HashSet;

/// Suggestions shown at once.
const MAX_SUGGESTIONS: usize = 8;
/// Recent sent messages whose recipients are looked at.
const SENT_SCAN: u64 = 500;
/// Rows of senders looked at (a prefix of a common name can match many).
const FROM_SCAN: u64 = 200;
/// Recent messages whose senders are matched in Rust (non-ASCII queries on SQLite).
const RECENT_SCAN: u64 = 5_000;

/// Up to 8 people the caller has corresponded with (in mailboxes they may read) whose
/// name or address starts with `query` (2–100 characters), most recent first.
pub async fn suggest_addresses(
    state: &AppState,
    actor: &Actor,
    query: &str,
) -> ServiceResult<Vec<AddressSuggestion>> {
    let query = query.trim().to_lowercase();
    let chars = query.chars().count();
    if !(2..=100).contains(&chars) {
        return Err(ServiceError::invalid("query", "too_long"));
    }
    let db = &state.db;
    let ids = readable_ids(db, actor).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // SQLite's lower() and LIKE fold ASCII only: a Cyrillic query is matched here, in
    // Rust, over the most recent senders; ASCII ones (and PostgreSQL) in the database.
    let in_sql = query.is_ascii() || db.get_database_backend() == DbBackend::Postgres;
    let mut senders = message::Entity::find()
        .select_only()
        .column(message::Column::FromName)
        .column(message::Column::FromAddress)
        .filter(message::Column::MailboxId.is_in(ids.clone()));
    if in_sql {
        let pattern = format!("{}%", escape_like(&query));
        let starts = |col: message::Column| {
            Expr::expr(Func::lower(Expr::col(col))).like(LikeExpr::new(&pattern).escape('\\'))
        };
        senders = senders.filter(
            Condition::any()
                .add(starts(message::Column::FromAddress))
                .add(starts(message::Column::FromName)),
        );
    }
    let senders: Vec<(String, String)> = senders
        .order_by_desc(message::Column::ReceivedAt)
        .limit(if in_sql { FROM_SCAN } else { RECENT_SCAN })
        .into_tuple()
        .all(db)
        .await?;
    let sent_folders: Vec<i64> = mailbox_folder::Entity::find()
        .filter(mailbox_folder::Column::MailboxId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .filter(|f| FolderRole::of(&f.name, f.special_use.as_deref()) == Some(FolderRole::Sent))
        .map(|f| f.id)
        .collect();
    // Only the recipient lists: never the bodies of 500 messages per keystroke.
    let sent: Vec<(message::People, message::People)> = message::Entity::find()
        .select_only()
        .column(message::Column::ToList)
        .column(message::Column::CcList)
        .filter(message::Column::FolderId.is_in(sent_folders))
        .order_by_desc(message::Column::ReceivedAt)
        .limit(SENT_SCAN)
        .into_tuple()
        .all(db)
        .await?;
    let written_to = sent
        .into_iter()
        .flat_map(|(to, cc)| to.0.into_iter().chain(cc.0))
        .map(|p| (p.name, p.address));
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (name, address) in written_to.chain(senders) {
        let matches = address.to_lowercase().starts_with(&query)
            || name.to_lowercase().starts_with(&query)
            || name
                .to_lowercase()
                .split_whitespace()
                .any(|word| word.starts_with(&query));
        if !matches || address.is_empty() || !seen.insert(address.to_lowercase()) {
            continue;
        }
        out.push(AddressSuggestion { name, address });
        if out.len() == MAX_SUGGESTIONS {
            break;
        }
    }
    Ok(out)
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
