//! One whole message fetched from its server when a reader opens an attachment or an
//! inline image (bytes of parts are never stored): the sync's own login (sealed password,
//! address policy, TLS trust), EXAMINE of its folder, `UID FETCH uid BODY.PEEK[]` bounded
//! by the sync's largest message. A small cache keeps the last few messages for a couple
//! of minutes, and readers asking for the same message at once share one fetch (a page
//! with five inline images logs in once).

use crate::{
    AppState,
    config::Config,
    entities::{mailbox, mailbox_folder, message},
    error::{ServiceError, ServiceResult},
    sync::{
        FetchBounds, SyncEngine, SyncError,
        fetch::{self, Body},
    },
};
use domain::{ConnectProblem, MailboxStatus};
use sea_orm::EntityTrait;
use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::sync::{OnceCell, Semaphore};

/// Messages kept after a fetch, and for how long, and at most how many bytes in all.
const CACHE_ENTRIES: usize = 16;
const CACHE_TTL: Duration = Duration::from_secs(120);
const CACHE_BYTES: usize = 64 << 20;
/// Fetches from mail servers at once, for all readers of this process.
const CONCURRENT_FETCHES: usize = 8;

/// Whole messages for readers, from the mailbox's server; cheap to clone.
#[derive(Clone)]
pub struct Reader {
    inner: Arc<Inner>,
}

struct Inner {
    engine: SyncEngine,
    fetches: Semaphore,
    cache: Mutex<HashMap<Key, Entry>>,
}

/// A message on its server: mailbox, folder, UIDVALIDITY, UID.
type Key = (i64, i64, i64, i64);

struct Entry {
    at: Instant,
    raw: Arc<OnceCell<Arc<[u8]>>>,
}

impl Reader {
    /// A reader logging in like `engine` (its bounds: largest message, command timeout).
    pub fn new(engine: SyncEngine) -> Self {
        Reader {
            inner: Arc::new(Inner {
                engine,
                fetches: Semaphore::new(CONCURRENT_FETCHES),
                cache: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The reader of this process: it logs in like the sync (sealed password, address
    /// policy, trust) and fetches no message larger than the sync keeps
    /// (`SYNC_MAX_MESSAGE_MB`).
    pub fn configured(config: &Config, state: &AppState) -> Self {
        let mb = config.sync.max_message_mb;
        let mut engine = SyncEngine::new(
            state.db.clone(),
            state.master_key.clone(),
            state.mail_trust.clone(),
            config.sync.connections_per_host,
        );
        engine.connect_timeout = state.connect_timeout;
        engine.oauth = state.oauth.clone();
        engine.limits = FetchBounds {
            max_message_bytes: i64::try_from(mb.saturating_mul(1 << 20)).unwrap_or(i64::MAX),
            ..engine.limits
        };
        Reader::new(engine)
    }

    /// The database the reader's engine uses.
    pub fn db(&self) -> &sea_orm::DatabaseConnection {
        &self.inner.engine.db
    }

    /// The raw bytes of a message row, from the cache or its server. The caller has
    /// checked that the reader may read the row's mailbox.
    pub async fn raw(&self, row: &message::Model) -> ServiceResult<Arc<[u8]>> {
        let key = (row.mailbox_id, row.folder_id, row.uidvalidity, row.uid);
        let cell = self.cell(key);
        let raw = cell
            .get_or_try_init(|| self.bounded(self.fetch(row)))
            .await?
            .clone();
        self.evict();
        Ok(raw)
    }

    fn cell(&self, key: Key) -> Arc<OnceCell<Arc<[u8]>>> {
        let mut cache = self.inner.cache.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        cache.retain(|_, e| now.duration_since(e.at) < CACHE_TTL);
        cache
            .entry(key)
            .or_insert_with(|| Entry {
                at: now,
                raw: Arc::new(OnceCell::new()),
            })
            .raw
            .clone()
    }

    /// Oldest first out until the cache holds at most its entries and bytes.
    fn evict(&self) {
        let mut cache = self.inner.cache.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let bytes: usize = cache
                .values()
                .filter_map(|e| e.raw.get().map(|r| r.len()))
                .sum();
            if cache.len() <= CACHE_ENTRIES && bytes <= CACHE_BYTES {
                return;
            }
            let Some(oldest) = cache.iter().min_by_key(|(_, e)| e.at).map(|(k, _)| *k) else {
                return;
            };
            cache.remove(&oldest);
        }
    }

    /// A fetch within its time: connecting plus two commands.
    async fn bounded<T>(&self, step: impl Future<Output = ServiceResult<T>>) -> ServiceResult<T> {
        let engine = &self.inner.engine;
        let limit = engine.connect_timeout + engine.limits.command_timeout * 2;
        tokio::time::timeout(limit, step)
            .await
            .unwrap_or_else(|_| Err(server_error(SyncError::Timeout)))
    }

    async fn fetch(&self, row: &message::Model) -> ServiceResult<Arc<[u8]>> {
        let engine = &self.inner.engine;
        let mailbox = mailbox::Entity::find_by_id(row.mailbox_id)
            .one(&engine.db)
            .await?
            .ok_or(ServiceError::NotFound)?;
        // Repeated refused logins can lock the account: wait for the new password.
        if mailbox.status == MailboxStatus::NeedsReconnect {
            return Err(crate::sync::request::needs_owner(&mailbox));
        }
        let folder = mailbox_folder::Entity::find_by_id(row.folder_id)
            .one(&engine.db)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let _permit = self
            .inner
            .fetches
            .acquire()
            .await
            .map_err(|_| ServiceError::Internal(anyhow::anyhow!("reader closed")))?;
        let mut session = engine.log_in(&mailbox).await.map_err(server_error)?;
        // EXAMINE and the fetch, each given the command timeout.
        let steps = engine.limits.command_timeout * 2;
        let result = tokio::time::timeout(steps, async {
            let state = fetch::examine(&mut session, &folder.name).await?;
            if state.uidvalidity != row.uidvalidity {
                return Ok(None);
            }
            let max = engine.limits.max_message_bytes;
            let bodies = fetch::bodies(&mut session, &[row.uid], row.size, max).await?;
            Ok(bodies.into_iter().find(|(uid, _)| *uid == row.uid))
        })
        .await
        .unwrap_or(Err(SyncError::Timeout));
        if result
            .as_ref()
            .err()
            .is_none_or(SyncError::connection_usable)
        {
            crate::sync::run::log_out_later(session);
        }
        match result.map_err(server_error)? {
            Some((_, Body::Kept(bytes))) => Ok(bytes.into()),
            Some((_, Body::TooLarge)) => Err(ServiceError::invalid(
                "message",
                "larger than the largest message the app fetches",
            )),
            // Gone from the server (moved, deleted, folder reset) since the last sync.
            None => Err(ServiceError::NotFound),
        }
    }
}

/// What a reader is told when the server fails: a refused password needs the owner; the
/// rest is "the server did not answer, try again" (the detail goes to the log).
fn server_error(err: SyncError) -> ServiceError {
    match err {
        SyncError::Connect(ConnectProblem::WrongPassword) => ServiceError::NeedsNewPassword,
        SyncError::Connect(ConnectProblem::SignInExpired) => ServiceError::NeedsReconnect,
        SyncError::Storage(err) => err,
        err => {
            let text = err.user_text();
            tracing::warn!(error = %text, "reading: fetching a message failed");
            ServiceError::Internal(anyhow::anyhow!("the mail server: {text}"))
        }
    }
}
