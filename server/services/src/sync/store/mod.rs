//! The messages table as the sync sees it: which UIDs of a folder are stored, new rows
//! from header fields, bodies, flags, and removal of what left the server or the range.
//! Every write is idempotent, so a run cut at any point and run again converges.

use super::{
    parse::{Content, Envelope},
    progress::Advance,
};
use crate::{db::retry_busy, entities::message, error::ServiceResult};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    EntityTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use std::collections::{HashMap, HashSet};

mod bodies;
mod by_uid;
mod new_rows;
mod quota;
mod selection;

pub use bodies::{
    Pending, mark_too_large, pending_bodies, refetch_since, store_bodies, store_bodies_in,
};
use by_uid::{ids_of, update_by_uid};
pub use quota::{Quota, body_bytes, has_older_bodies, mark_over_quota, quota_reached};
pub use selection::forget_unselected;

/// Where a message's bodies are (stored as its word; an unknown word fails the read).
#[derive(Clone, Copy, Debug, PartialEq, Eq, sea_orm::DeriveValueType)]
#[sea_orm(
    value_type = "String",
    from_str = "BodyState::from_stored",
    to_str = "BodyState::stored_word"
)]
pub enum BodyState {
    /// Headers only, so far.
    Pending,
    Stored,
    /// Over the configured maximum: the UI says "too large, open on server".
    TooLarge,
    /// Not kept because of the mailbox's storage quota (headers only).
    OverQuota,
}

impl BodyState {
    pub fn as_str(self) -> &'static str {
        match self {
            BodyState::Pending => "pending",
            BodyState::Stored => "stored",
            BodyState::TooLarge => "too_large",
            BodyState::OverQuota => "over_quota",
        }
    }

    fn stored_word(&self) -> String {
        self.as_str().to_owned()
    }

    fn from_stored(text: &str) -> Result<Self, domain::stored::UnknownValue> {
        [
            BodyState::Pending,
            BodyState::Stored,
            BodyState::TooLarge,
            BodyState::OverQuota,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
        .ok_or_else(|| domain::stored::UnknownValue(format!("unknown body state {text:?}")))
    }
}

/// The IMAP system flags the app shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    pub seen: bool,
    pub flagged: bool,
    pub answered: bool,
    pub draft: bool,
}

/// A message as the header pass saw it.
#[derive(Clone, Debug)]
pub struct HeaderRow {
    pub uid: i64,
    pub flags: Flags,
    pub received_at: DateTime<Utc>,
    pub size: i64,
    pub envelope: Envelope,
}

/// One folder generation: a folder under one UIDVALIDITY.
#[derive(Clone, Copy, Debug)]
pub struct FolderKey {
    pub mailbox_id: i64,
    pub folder_id: i64,
    pub uidvalidity: i64,
}

impl FolderKey {
    /// The rows of these UIDs in this folder generation. On SQLite as `folder_id = … AND
    /// uidvalidity = … AND uid IN (…)`, which its planner serves from the unique (folder,
    /// UIDVALIDITY, UID) index; on PostgreSQL each row found by that index whatever the
    /// statistics say (`by_uid::ids_of`: as `uid IN (…)`, 5,000 expunged UIDs of 100,000
    /// took 3 s instead of 0.05; docs/benchmarks.md, fortieth round).
    pub fn rows(&self, backend: DbBackend, uids: &[i64]) -> Condition {
        if backend == DbBackend::Postgres && !uids.is_empty() {
            return Condition::all().add(ids_of(*self, uids));
        }
        Condition::all()
            .add(message::Column::FolderId.eq(self.folder_id))
            .add(message::Column::Uidvalidity.eq(self.uidvalidity))
            .add(message::Column::Uid.is_in(uids.iter().copied()))
    }
}

/// The rows of one folder generation as a header pass finds them.
#[derive(Debug)]
pub struct StoredRows {
    /// Every stored UID with its flags.
    pub flags: HashMap<i64, Flags>,
    /// The UIDs whose body is still to be fetched ([`BodyState::Pending`]).
    pub pending: HashSet<i64>,
}

/// Stored UIDs of this folder generation with their flags, and which of them wait for
/// their bodies: one read of the folder's rows.
pub async fn stored_rows(db: &impl ConnectionTrait, key: FolderKey) -> ServiceResult<StoredRows> {
    let rows: Vec<(i64, bool, bool, bool, bool, BodyState)> = message::Entity::find()
        .select_only()
        .columns([
            message::Column::Uid,
            message::Column::Seen,
            message::Column::Flagged,
            message::Column::Answered,
            message::Column::Draft,
            message::Column::BodyState,
        ])
        .filter(message::Column::FolderId.eq(key.folder_id))
        .filter(message::Column::Uidvalidity.eq(key.uidvalidity))
        .into_tuple()
        .all(db)
        .await?;
    let mut stored = StoredRows {
        flags: HashMap::with_capacity(rows.len()),
        pending: HashSet::new(),
    };
    for (uid, seen, flagged, answered, draft, body) in rows {
        let flags = Flags {
            seen,
            flagged,
            answered,
            draft,
        };
        stored.flags.insert(uid, flags);
        if body == BodyState::Pending {
            stored.pending.insert(uid);
        }
    }
    Ok(stored)
}

/// Whether the folder holds rows of another UIDVALIDITY (the server reset the folder).
pub async fn has_other_generation(
    db: &impl ConnectionTrait,
    key: FolderKey,
) -> ServiceResult<bool> {
    Ok(message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::FolderId.eq(key.folder_id))
        .filter(message::Column::Uidvalidity.ne(key.uidvalidity))
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .is_some())
}

/// What a new row holds of its body.
#[derive(Clone, Debug)]
pub enum NewBody {
    /// Headers only so far: the body pass fetches it.
    Pending,
    /// Fetched with the row: stored at once, so the row is written once.
    Stored(Content),
    TooLarge,
    OverQuota,
}

/// Stores a batch of header rows in one transaction. With `adopt`, a row of an older
/// UIDVALIDITY with the same Message-ID, date and size is moved to the new UID instead of
/// inserting a twin, so what the user already saw keeps its identity and body.
pub async fn insert_headers(
    db: &DatabaseConnection,
    key: FolderKey,
    rows: Vec<HeaderRow>,
    adopt: bool,
) -> ServiceResult<()> {
    let rows = rows.into_iter().map(|r| (r, NewBody::Pending)).collect();
    insert_rows(db, key, rows, adopt, None).await
}

/// Stores a batch of new rows, each with what is known of its body, in one transaction
/// (see [`insert_headers`] for `adopt`), which also adds the batch to its folder's counts
/// when given an `advance`.
pub async fn insert_rows(
    db: &DatabaseConnection,
    key: FolderKey,
    rows: Vec<(HeaderRow, NewBody)>,
    adopt: bool,
    advance: Option<Advance>,
) -> ServiceResult<()> {
    // Each attempt copies the rows into its statements once: the batch (every body of it)
    // is not cloned beforehand for an attempt that is rarely repeated.
    retry_busy(|| new_rows::insert_rows_once(db, key, &rows, adopt, advance)).await
}

/// Drops every row of the folder that is not of the current UIDVALIDITY.
pub async fn drop_other_generations(
    db: &impl ConnectionTrait,
    key: FolderKey,
) -> ServiceResult<u64> {
    Ok(message::Entity::delete_many()
        .filter(message::Column::FolderId.eq(key.folder_id))
        .filter(message::Column::Uidvalidity.ne(key.uidvalidity))
        .exec(db)
        .await?
        .rows_affected)
}

/// Removes these UIDs (expunged on the server, moved away, or out of the range).
pub async fn delete_uids(
    db: &impl ConnectionTrait,
    key: FolderKey,
    uids: &[i64],
) -> ServiceResult<u64> {
    let mut removed = 0;
    for chunk in uids.chunks(500) {
        removed += message::Entity::delete_many()
            .filter(key.rows(db.get_database_backend(), chunk))
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(removed)
}

/// Writes flags that differ from what is stored, 200 rows a statement (one UPDATE a row
/// took 1.4 s on SQLite and 3.1 s on PostgreSQL for 10,000 changed flags, a debug build;
/// docs/benchmarks.md, fortieth round); returns how many rows changed.
pub async fn apply_flags(
    db: &DatabaseConnection,
    key: FolderKey,
    stored: &HashMap<i64, Flags>,
    seen_on_server: &[(i64, Flags)],
) -> ServiceResult<u64> {
    let changed: Vec<_> = seen_on_server
        .iter()
        .filter(|(uid, flags)| stored.get(uid).is_some_and(|old| old != flags))
        .copied()
        .collect();
    if changed.is_empty() {
        return Ok(0);
    }
    retry_busy(|| async {
        let txn = db.begin().await?;
        write_flags_in(&txn, key, &changed).await?;
        txn.commit().await?;
        ServiceResult::Ok(())
    })
    .await?;
    Ok(changed.len() as u64)
}

/// Writes `changed` flags within the transaction `txn`, 200 rows a statement, each row
/// found by its unique key whatever the planner's statistics say (`update_by_uid`).
pub async fn write_flags_in(
    txn: &DatabaseTransaction,
    key: FolderKey,
    changed: &[(i64, Flags)],
) -> ServiceResult<()> {
    let set = "seen = v.column2, flagged = v.column3, answered = v.column4, draft = v.column5";
    let types = ["BIGINT", "BOOLEAN", "BOOLEAN", "BOOLEAN", "BOOLEAN"];
    update_by_uid(txn, key, (set, &types), changed, 200, |(uid, flags)| {
        vec![
            (*uid).into(),
            flags.seen.into(),
            flags.flagged.into(),
            flags.answered.into(),
            flags.draft.into(),
        ]
    })
    .await
}

/// UIDs in `server` but not in `stored`, newest (highest UID) first.
pub fn missing(server: &HashSet<i64>, stored: &HashMap<i64, Flags>) -> Vec<i64> {
    let mut uids: Vec<i64> = server
        .iter()
        .filter(|uid| !stored.contains_key(uid))
        .copied()
        .collect();
    uids.sort_unstable_by(|a, b| b.cmp(a));
    uids
}
