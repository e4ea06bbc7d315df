//! Argon2id password hashes (RustCrypto `argon2`, default OWASP parameters: 19 MiB, two
//! passes). Hashing takes tens of milliseconds of one core, so it runs on tokio's blocking
//! pool, at most one per core at a time: a burst of log-ins never stalls the async
//! workers that serve every other request.
//!
//! Each hash allocates its 19 MiB of Argon2 memory and frees it when done. The server fixes
//! glibc's mmap threshold at start (`crate::memory::tune_allocator`), so a block that large
//! is always mapped on its own and handed back to the system when freed: memory for
//! hashing is at most cores × 19 MiB while hashes run, and nothing after. A process that
//! does not call it (the tests) keeps glibc's moving threshold, which raises itself after
//! the first such free and keeps later blocks in each thread's arena: 20 failed log-ins
//! once took a server from 97 to 364 MB that way.

use crate::error::{ServiceError, ServiceResult};
use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::{Output, ParamsString, PasswordHash, SaltString, rand_core::OsRng},
};
use std::sync::{Arc, LazyLock};
use tokio::sync::Semaphore;

/// One hashing slot per core.
static SLOTS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    Arc::new(Semaphore::new(cores))
});

/// A stored hash asking for more than this much memory is refused (ours use 19 MiB).
const MAX_BLOCKS: usize = 16 * Params::DEFAULT_M_COST as usize;

/// Runs `work` with Argon2 memory of its own on the blocking pool once a slot is free. The
/// slot is held by the work itself, so a request that gives up early does not free it too
/// soon. The memory is freed with the work (see the module's comment).
async fn in_slot<T: Send + 'static>(
    work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
) -> ServiceResult<T> {
    let slot = Arc::clone(&SLOTS)
        .acquire_owned()
        .await
        .map_err(|e| ServiceError::Internal(e.into()))?;
    tokio::task::spawn_blocking(move || {
        let mut blocks = vec![Block::default(); Params::default().block_count()];
        let out = work(&mut blocks);
        drop(blocks);
        drop(slot);
        out
    })
    .await
    .map_err(|e| ServiceError::Internal(e.into()))
}

pub async fn hash(password: &str) -> ServiceResult<String> {
    let password = password.to_owned();
    in_slot(move |blocks| hash_now(&password, blocks)).await?
}

pub async fn verify(password: &str, stored: &str) -> ServiceResult<bool> {
    let (password, stored) = (password.to_owned(), stored.to_owned());
    in_slot(move |blocks| verify_now(&password, &stored, blocks)).await
}

/// A hash of nothing, checked when the email is unknown so both paths cost the same time
/// and the response time does not tell which emails are registered.
pub async fn verify_against_dummy(password: &str) -> ServiceResult<()> {
    static DUMMY: LazyLock<Option<String>> = LazyLock::new(|| {
        let mut blocks = vec![Block::default(); Params::default().block_count()];
        hash_now("not a real password", &mut blocks).ok()
    });
    let password = password.to_owned();
    in_slot(move |blocks| {
        if let Some(dummy) = DUMMY.as_deref() {
            let _ = verify_now(&password, dummy, blocks);
        }
    })
    .await
}

fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(anyhow::anyhow!("Cannot hash a password: {e}"))
}

/// Argon2id with the default parameters and a random salt, as a PHC string.
fn hash_now(password: &str, blocks: &mut Vec<Block>) -> ServiceResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    let params = Params::default();
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(internal)?;
    if blocks.len() < params.block_count() {
        blocks.resize(params.block_count(), Block::default());
    }
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password.as_bytes(), salt_bytes, &mut out, &mut blocks[..])
        .map_err(internal)?;
    Ok(PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(internal)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(internal)?),
    }
    .to_string())
}

/// Recomputes the stored hash's Argon2 with its own parameters in the given memory and
/// compares the outputs in constant time (`Output`'s equality).
fn verify_now(password: &str, stored: &str, blocks: &mut Vec<Block>) -> bool {
    recompute(password, stored, blocks).unwrap_or(false)
}

fn recompute(password: &str, stored: &str, blocks: &mut Vec<Block>) -> Option<bool> {
    let parsed = PasswordHash::new(stored).ok()?;
    let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
    let version = parsed.version.map(Version::try_from).transpose().ok()?;
    let params = Params::try_from(&parsed).ok()?;
    let (salt, expected) = (parsed.salt?, parsed.hash?);
    let needed = params.block_count();
    if needed > MAX_BLOCKS {
        tracing::warn!(
            blocks = needed,
            "stored password hash asks for too much memory"
        );
        return None;
    }
    if blocks.len() < needed {
        blocks.resize(needed, Block::default());
    }
    let mut salt_bytes = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_bytes).ok()?;
    let mut out = vec![0u8; expected.len()];
    Argon2::new(algorithm, version.unwrap_or_default(), params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut blocks[..])
        .ok()?;
    Some(Output::new(&out).ok()? == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::{PasswordHasher, PasswordVerifier};

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
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(verify("a password", &stored).await.unwrap());
        assert!(!verify("another", &stored).await.unwrap());
        assert!(!verify("a password", "not a hash").await.unwrap());
        verify_against_dummy("x").await.unwrap();
        assert_eq!(SLOTS.available_permits(), cores);
    }

    #[test]
    fn hashes_agree_with_the_argon2_crate_both_ways() {
        let mut blocks = Vec::new();
        let ours = hash_now("correct horse", &mut blocks).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        assert!(verify_now("correct horse", &theirs, &mut blocks));
        assert!(!verify_now("wrong horse", &theirs, &mut blocks));
        // Other parameters (an older hash) verify too, in a grown buffer.
        let other = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(32 * 1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"pw", &salt)
        .unwrap()
        .to_string();
        assert!(verify_now("pw", &other, &mut blocks));
        assert_eq!(blocks.len(), 32 * 1024);
    }
}
