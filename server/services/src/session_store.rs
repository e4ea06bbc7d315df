//! tower-sessions storage in our own database through SeaORM, so sessions survive restarts
//! and are shared by every server replica (the sqlx store crate pins another sqlx).

use crate::entities::session;
use async_trait::async_trait;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    TryInsertResult, sea_query::Expr,
};
use std::time::Duration;
use tower_sessions::{
    Session, SessionStore,
    session::{Id, Record},
    session_store::{Error, ExpiredDeletion, Result},
};

/// The session key that holds the signed-in user's id.
pub const USER_ID: &str = "user_id";

/// The signed-in user's id, if the session has one (a store error reads as not signed in).
pub async fn signed_in_user(session: &Session) -> Option<i64> {
    session.get::<i64>(USER_ID).await.ok().flatten()
}

/// The session key that holds when (Unix seconds) a signed-in session's expiry was last
/// pushed back. tower-sessions writes a session, and sends its cookie again, only when its
/// data changes: with `Expiry::OnInactivity` alone an active user would be signed out when
/// the expiry set at sign-in runs out. Changing this key renews both.
pub const RENEWED_AT: &str = "renewed_at";

/// A signed-in session is renewed at most once per this many seconds: one write per user a
/// day instead of one per request, so the inactivity limit holds to within a day.
pub const RENEW_EVERY_SECS: i64 = 24 * 60 * 60;

/// The value `RENEWED_AT` takes now: the current Unix time in seconds.
pub fn renewal_stamp() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Whether a session last renewed at `renewed_at` (never: `None`) is due at `now`.
pub fn renewal_due(renewed_at: Option<i64>, now: i64) -> bool {
    renewed_at.is_none_or(|at| now - at >= RENEW_EVERY_SECS || at > now)
}

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Deletes sessions that have expired, `batch` rows per statement so no statement
    /// holds the table (or SQLite's one writer) for long; stops after `max_batches`.
    /// Returns how many were deleted.
    pub async fn delete_expired_in_batches(&self, batch: u64, max_batches: u32) -> Result<u64> {
        let mut deleted = 0;
        for _ in 0..max_batches {
            let ids: Vec<String> = session::Entity::find()
                .select_only()
                .column(session::Column::Id)
                .filter(session::Column::ExpiresAt.lte(chrono::Utc::now()))
                .limit(batch)
                .into_tuple()
                .all(&self.db)
                .await
                .map_err(backend)?;
            if ids.is_empty() {
                break;
            }
            let found = ids.len() as u64;
            deleted += session::Entity::delete_many()
                .filter(session::Column::Id.is_in(ids))
                .filter(session::Column::ExpiresAt.lte(chrono::Utc::now()))
                .exec(&self.db)
                .await
                .map_err(backend)?
                .rows_affected;
            if found < batch {
                break;
            }
            // Let other writers in between batches.
            tokio::task::yield_now().await;
        }
        Ok(deleted)
    }

    /// Sweeps expired sessions every `every` (the first sweep at once) for as long as the
    /// process runs; a failed sweep is logged and tried again next time.
    pub fn spawn_sweeper(self, every: Duration, batch: u64) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match self
                    .delete_expired_in_batches(batch, SWEEP_MAX_BATCHES)
                    .await
                {
                    Ok(0) => {}
                    Ok(deleted) => tracing::info!(deleted, "expired sessions deleted"),
                    Err(err) => tracing::warn!("expired sessions not deleted: {err}"),
                }
            }
        })
    }
}

/// One sweep deletes at most this many batches; the rest waits for the next tick.
const SWEEP_MAX_BATCHES: u32 = 1000;

fn backend(err: impl std::fmt::Display) -> Error {
    Error::Backend(err.to_string())
}

/// Ids are 128 random bits: a second collision in a row means something else is wrong.
const CREATE_ATTEMPTS: usize = 3;

fn row(record: &Record) -> Result<session::ActiveModel> {
    Ok(session::ActiveModel {
        id: Set(record.id.to_string()),
        data: Set(data(record)?),
        expires_at: Set(to_chrono(record.expiry_date)),
    })
}

fn data(record: &Record) -> Result<String> {
    serde_json::to_string(&record.data).map_err(backend)
}

fn to_chrono(t: time::OffsetDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(t.unix_timestamp(), t.nanosecond()).unwrap_or_default()
}

#[async_trait]
impl SessionStore for DbSessionStore {
    /// A new session (a first visit that stores something, or a sign-in's new id): inserted
    /// under a fresh id, another one drawn if that id is taken.
    async fn create(&self, record: &mut Record) -> Result<()> {
        for _ in 0..CREATE_ATTEMPTS {
            let inserted = session::Entity::insert(row(record)?)
                .on_conflict_do_nothing_on([session::Column::Id])
                .exec_without_returning(&self.db)
                .await
                .map_err(backend)?;
            if matches!(inserted, TryInsertResult::Inserted(n) if n > 0) {
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(Error::Backend("no free session id".into()))
    }

    /// An existing session's new data and expiry. Only updates: a session deleted since this
    /// request loaded it (signed out in another tab, its id cycled) stays deleted.
    async fn save(&self, record: &Record) -> Result<()> {
        session::Entity::update_many()
            .col_expr(session::Column::Data, Expr::value(data(record)?))
            .col_expr(
                session::Column::ExpiresAt,
                Expr::value(to_chrono(record.expiry_date)),
            )
            .filter(session::Column::Id.eq(record.id.to_string()))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let Some(row) = session::Entity::find_by_id(id.to_string())
            .filter(session::Column::ExpiresAt.gt(chrono::Utc::now()))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(row.expires_at.timestamp())
            .map_err(backend)?;
        Ok(Some(Record {
            id: *id,
            data: serde_json::from_str(&row.data).map_err(backend)?,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        session::Entity::delete_by_id(id.to_string())
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> Result<()> {
        self.delete_expired_in_batches(1000, SWEEP_MAX_BATCHES)
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_renewed_once_a_day() {
        let now = 1_800_000_000;
        assert!(renewal_due(None, now));
        assert!(!renewal_due(Some(now), now));
        assert!(!renewal_due(Some(now - RENEW_EVERY_SECS + 1), now));
        assert!(renewal_due(Some(now - RENEW_EVERY_SECS), now));
        // A clock set back: renewed "in the future" counts as due.
        assert!(renewal_due(Some(now + 60), now));
    }
}
