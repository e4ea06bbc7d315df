//! Argon2id password hashes (RustCrypto `argon2`, default OWASP parameters: 19 MiB, two
//! passes). Hashing takes tens of milliseconds of one core, so it runs on tokio's blocking
//! pool, at most one per core at a time: a burst of log-ins never stalls the async
//! workers that serve every other request, nor takes more memory than cores × 19 MiB.

use crate::error::{ServiceError, ServiceResult};
use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};
use std::sync::{Arc, LazyLock};
use tokio::sync::Semaphore;

/// One hashing slot per core.
static SLOTS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    Arc::new(Semaphore::new(cores))
});

/// Runs `work` on the blocking pool once a slot is free. The slot is held by the work
/// itself, so a request that gives up early does not free it before the hash is done.
async fn in_slot<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> ServiceResult<T> {
    let slot = Arc::clone(&SLOTS)
        .acquire_owned()
        .await
        .map_err(|e| ServiceError::Internal(e.into()))?;
    tokio::task::spawn_blocking(move || {
        let out = work();
        drop(slot);
        out
    })
    .await
    .map_err(|e| ServiceError::Internal(e.into()))
}

pub async fn hash(password: &str) -> ServiceResult<String> {
    let password = password.to_owned();
    in_slot(move || hash_now(&password)).await?
}

pub async fn verify(password: &str, stored: &str) -> ServiceResult<bool> {
    let (password, stored) = (password.to_owned(), stored.to_owned());
    in_slot(move || verify_now(&password, &stored)).await
}

/// A hash of nothing, checked when the email is unknown so both paths cost the same time
/// and the response time does not tell which emails are registered.
pub async fn verify_against_dummy(password: &str) -> ServiceResult<()> {
    static DUMMY: LazyLock<Option<String>> = LazyLock::new(|| hash_now("not a real password").ok());
    let password = password.to_owned();
    in_slot(move || {
        if let Some(dummy) = DUMMY.as_deref() {
            let _ = verify_now(&password, dummy);
        }
    })
    .await
}

fn hash_now(password: &str) -> ServiceResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("Cannot hash a password: {e}")))
}

fn verify_now(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn hashing_waits_for_a_slot_without_blocking_the_runtime() {
        let cores = SLOTS.available_permits();
        assert!(cores >= 1);
        // Every slot taken: a hash waits, and this single-threaded runtime keeps running.
        let all = Arc::clone(&SLOTS)
            .acquire_many_owned(u32::try_from(cores).unwrap())
            .await
            .unwrap();
        let pending = tokio::spawn(hash("a password"));
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        assert!(!pending.is_finished(), "hashed without a free slot");
        drop(all);
        let stored = pending.await.unwrap().unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("a password", &stored).await.unwrap());
        assert!(!verify("another", &stored).await.unwrap());
        assert!(!verify("a password", "not a hash").await.unwrap());
        verify_against_dummy("x").await.unwrap();
        assert_eq!(SLOTS.available_permits(), cores);
    }
}
