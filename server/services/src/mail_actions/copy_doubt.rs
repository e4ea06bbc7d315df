//! A move without MOVE whose UID COPY was sent but never answered (the connection cut,
//! a timeout): did the copy go through? Copying again would leave a second copy in the
//! target; not copying, when it did not go through, would lose the message once it is
//! removed here. So the next attempt looks in the target folder for the messages by
//! Message-ID (RFC 5322) first.
//!
//! Only the target's messages from the UIDNEXT it had just before the COPY on are looked
//! at (where the copies land; none that was there before counts), when the server told
//! it and the folder's UIDVALIDITY has not changed since. A COPY is all or nothing (RFC
//! 3501 §6.4.7: a failed one leaves the target as it was), so one group's copy went
//! through when every message of it whose Message-ID the app knows is there. A group
//! none of whose Message-IDs is known is copied again, as is one whose target was reset
//! (a second copy is possible then; losing the message is not); so is one with a message
//! of unknown Message-ID when the server did not tell the UIDNEXT.

use crate::{
    entities::{mailbox_folder, message, message_action::Model as Action},
    sync::{
        SyncError,
        complete::timed,
        fetch::{self, ImapSession},
    },
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use std::{collections::HashSet, time::Duration};

/// Message-IDs looked up in one SEARCH (its ORs nest one deeper each).
const IDS_PER_SEARCH: usize = 25;
/// The most matches whose headers are read: the newest, where a copy lands.
const MAX_MATCHES: usize = 2_000;
/// A matched message's header block is read up to this size.
const MAX_HEADER_BYTES: u64 = 256 * 1024;

/// What deciding needs that is not the server's: the target folder's name and the
/// group's Message-IDs (those the app knows).
pub(super) struct Doubt {
    pub target: String,
    pub ids: Vec<String>,
    /// The target's UIDVALIDITY and UIDNEXT just before the COPY.
    pub landing: Option<(i64, i64)>,
}

/// Reads what [`went_through`] needs from storage; None when the group has no doubt to
/// resolve (nothing was sent, or the copy is known to have gone through).
pub(super) async fn of(
    db: &DatabaseConnection,
    group: &[Action],
) -> Result<Option<Doubt>, sea_orm::DbErr> {
    let first = &group[0];
    let Some(target_id) = first.target_folder_id else {
        return Ok(None);
    };
    if !first.copy_sent || first.copied {
        return Ok(None);
    }
    let Some(target) = mailbox_folder::Entity::find_by_id(target_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let rows: Vec<i64> = group.iter().filter_map(|a| a.message_id).collect();
    let ids: Vec<Option<String>> = message::Entity::find()
        .select_only()
        .column(message::Column::MessageId)
        .filter(message::Column::Id.is_in(rows))
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<String> = ids
        .into_iter()
        .flatten()
        .filter(|id| searchable(id))
        .collect();
    let landing = first.copy_uidvalidity.zip(first.copy_uidnext);
    // Anywhere in the target, a message found may have been there before: then only a
    // group found whole tells that the copy went through.
    let ids = if landing.is_none() && ids.len() < group.len() {
        Vec::new()
    } else {
        ids
    };
    Ok(Some(Doubt {
        target: target.name,
        ids,
        landing,
    }))
}

/// Whether the unanswered COPY went through (see the module). Leaves the target folder
/// EXAMINEd: the caller SELECTs the folder it writes again.
pub(super) async fn went_through(
    session: &mut ImapSession,
    doubt: &Doubt,
    limit: Duration,
) -> Result<bool, SyncError> {
    if doubt.ids.is_empty() {
        return Ok(false);
    }
    let state = timed(limit, fetch::examine(session, &doubt.target)).await?;
    let from = match doubt.landing {
        Some((uidvalidity, _)) if uidvalidity != state.uidvalidity => return Ok(false),
        Some((_, uidnext)) => uidnext.max(1),
        None => 1,
    };
    let mut matches = Vec::new();
    for chunk in doubt.ids.chunks(IDS_PER_SEARCH) {
        let criteria = format!("UID {from}:* {}", query(chunk));
        let found = timed(limit, fetch::uid_search(session, &criteria)).await?;
        // `n:*` also names the folder's last message when every UID is below n.
        matches.extend(found.into_iter().filter(|uid| *uid >= from));
    }
    matches.sort_unstable();
    matches.dedup();
    let newest = &matches[matches.len().saturating_sub(MAX_MATCHES)..];
    if newest.is_empty() {
        return Ok(false);
    }
    let rows = timed(limit, fetch::headers(session, newest, MAX_HEADER_BYTES)).await?;
    let held: HashSet<String> = rows
        .rows
        .into_iter()
        .filter_map(|r| r.envelope.message_id)
        .collect();
    Ok(doubt.ids.iter().all(|id| held.contains(id)))
}

/// A Message-ID that fits an IMAP quoted string: printable ASCII (the app stores it
/// without its angle brackets, as the sync parsed it).
fn searchable(id: &str) -> bool {
    !id.is_empty() && id.len() <= 998 && id.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// `UID SEARCH` criteria matching any of `ids`: `OR a OR b c`.
fn query(ids: &[String]) -> String {
    let one = |id: &String| {
        let quoted = id.replace('\\', "\\\\").replace('"', "\\\"");
        format!("HEADER Message-ID \"<{quoted}>\"")
    };
    let mut out = String::new();
    for (i, id) in ids.iter().enumerate() {
        if i + 1 < ids.len() {
            out.push_str("OR ");
        }
        out.push_str(&one(id));
        out.push(' ');
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_searched_as_one_or_chain_and_quoted() {
        let ids = ["a@x".to_owned(), "b\"c\\@y".to_owned(), "d@z".to_owned()];
        assert_eq!(
            query(&ids),
            "OR HEADER Message-ID \"<a@x>\" OR HEADER Message-ID \"<b\\\"c\\\\@y>\" \
             HEADER Message-ID \"<d@z>\""
        );
        assert_eq!(query(&ids[..1]), "HEADER Message-ID \"<a@x>\"");
    }

    #[test]
    fn only_printable_ascii_ids_are_searched() {
        assert!(searchable("a1@example.test"));
        assert!(!searchable(""));
        assert!(!searchable("a\r\nA1 LOGOUT"));
        assert!(!searchable("лист@приклад.укр"));
    }
}
