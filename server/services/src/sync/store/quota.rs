//! The per-mailbox storage quota (`SYNC_MAILBOX_QUOTA_MB`): bytes of message bodies kept.
//! Newer mail comes first: to store a body the run may push out the bodies of older mail
//! of the mailbox; what still does not fit keeps its headers only (`over_quota`), and the
//! mailbox shows "storage quota reached: older mail is not downloaded".

use super::{BodyState, FolderKey, bodies::kept_without_body};
use crate::{db::retry_busy, entities::message, error::ServiceResult, sync::parse::Content};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, Func},
};
use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

/// Bodies pushed out per look for older mail.
const EVICT_PAGE: u64 = 200;

/// What a body costs against the quota: its text and HTML as stored.
pub fn body_bytes(content: &Content) -> i64 {
    let len = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    i64::try_from(len(&content.text) + len(&content.html)).unwrap_or(i64::MAX)
}

/// One run's view of a mailbox's quota; clones share the count.
#[derive(Clone, Debug)]
pub struct Quota {
    limit: i64,
    used: Arc<AtomicI64>,
}

impl Quota {
    /// The bytes the mailbox's stored bodies take now.
    pub async fn load(
        db: &impl ConnectionTrait,
        mailbox_id: i64,
        limit: i64,
    ) -> ServiceResult<Quota> {
        let used: Option<i64> = message::Entity::find()
            .select_only()
            .column_as(
                Expr::from(Func::cast_as(
                    Func::sum(Expr::col(message::Column::BodyBytes)),
                    "BIGINT",
                )),
                "used",
            )
            .filter(message::Column::MailboxId.eq(mailbox_id))
            .into_tuple()
            .one(db)
            .await?
            .flatten();
        Ok(Quota {
            limit,
            used: Arc::new(AtomicI64::new(used.unwrap_or(0))),
        })
    }

    pub fn used(&self) -> i64 {
        self.used.load(Ordering::SeqCst)
    }

    pub fn room(&self) -> i64 {
        (self.limit - self.used()).max(0)
    }

    pub fn is_full(&self) -> bool {
        self.room() == 0
    }

    /// Reserves `bytes` for the body of mail received at `at`, pushing out bodies of
    /// older mail when needed. False when it cannot fit: the message keeps its headers.
    pub async fn take(
        &self,
        db: &DatabaseConnection,
        mailbox_id: i64,
        at: DateTime<Utc>,
        bytes: i64,
    ) -> ServiceResult<bool> {
        if bytes > self.limit {
            return Ok(false);
        }
        let short = self.used() + bytes - self.limit;
        if short > 0 {
            let freed = evict_older(db, mailbox_id, at, short).await?;
            self.used.fetch_sub(freed, Ordering::SeqCst);
        }
        if self.used() + bytes <= self.limit {
            self.used.fetch_add(bytes, Ordering::SeqCst);
            Ok(true)
        } else {
            Ok(false)
        }
    }
}

/// Whether any body of mail received before `at` is stored (room could be made).
pub async fn has_older_bodies(
    db: &impl ConnectionTrait,
    mailbox_id: i64,
    at: DateTime<Utc>,
) -> ServiceResult<bool> {
    Ok(message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::MailboxId.eq(mailbox_id))
        .filter(message::Column::BodyState.eq(BodyState::Stored.as_str()))
        .filter(message::Column::ReceivedAt.lt(at))
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .is_some())
}

/// Pushes out the bodies of the oldest mail received before `at` until `need` bytes are
/// free (or nothing older is left); returns the bytes freed.
async fn evict_older(
    db: &DatabaseConnection,
    mailbox_id: i64,
    at: DateTime<Utc>,
    need: i64,
) -> ServiceResult<i64> {
    let mut freed = 0;
    while freed < need {
        let oldest: Vec<(i64, i64)> = message::Entity::find()
            .select_only()
            .columns([message::Column::Id, message::Column::BodyBytes])
            .filter(message::Column::MailboxId.eq(mailbox_id))
            .filter(message::Column::BodyState.eq(BodyState::Stored.as_str()))
            .filter(message::Column::ReceivedAt.lt(at))
            .order_by_asc(message::Column::ReceivedAt)
            .order_by_asc(message::Column::Id)
            .limit(EVICT_PAGE)
            .into_tuple()
            .all(db)
            .await?;
        if oldest.is_empty() {
            break;
        }
        let mut ids = Vec::new();
        for (id, bytes) in oldest {
            if freed >= need {
                break;
            }
            ids.push(id);
            freed += bytes;
        }
        let evicted = Condition::all().add(message::Column::Id.is_in(ids));
        retry_busy(|| kept_without_body(db, BodyState::OverQuota, evicted.clone())).await?;
    }
    Ok(freed)
}

/// Marks these messages as kept without their bodies because of the quota.
pub async fn mark_over_quota(
    db: &DatabaseConnection,
    key: FolderKey,
    uids: &[i64],
) -> ServiceResult<()> {
    for chunk in uids.chunks(500) {
        kept_without_body(
            db,
            BodyState::OverQuota,
            key.rows(db.get_database_backend(), chunk),
        )
        .await?;
    }
    Ok(())
}

/// Whether some mail of the mailbox was not downloaded because of the quota (the UI's
/// "storage quota reached").
pub async fn quota_reached(db: &impl ConnectionTrait, mailbox_id: i64) -> ServiceResult<bool> {
    Ok(message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::MailboxId.eq(mailbox_id))
        .filter(message::Column::BodyState.eq(BodyState::OverQuota.as_str()))
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .is_some())
}
