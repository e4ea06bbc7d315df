//! The master key and the AEAD that keeps mailbox passwords and tokens encrypted at rest.
//! XChaCha20-Poly1305 (RustCrypto): a random 24-byte nonce per secret is safe to pick at
//! random, so no nonce counter has to be stored.

use anyhow::{Context, Result, bail};
use base64::{Engine, engine::general_purpose::STANDARD};
use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, AeadCore, KeyInit, OsRng},
};
use std::path::Path;

const KEY_FILE: &str = "master.key";

#[derive(Clone)]
pub struct MasterKey(XChaCha20Poly1305);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

impl MasterKey {
    /// Uses `configured` (base64 of 32 bytes) when given, else reads `data_dir/master.key`,
    /// creating it with 0600 permissions on first start.
    pub fn load_or_create(configured: Option<&str>, data_dir: &Path) -> Result<Self> {
        if let Some(b64) = configured {
            return Self::from_base64(b64.trim()).context("MASTER_KEY is not base64 of 32 bytes");
        }
        let path = data_dir.join(KEY_FILE);
        if path.exists() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("Cannot read {}", path.display()))?;
            return Self::from_base64(text.trim())
                .with_context(|| format!("{} is not base64 of 32 bytes", path.display()));
        }
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("Cannot create {}", data_dir.display()))?;
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        write_private(&path, STANDARD.encode(key).as_bytes())?;
        tracing::info!(path = %path.display(), "generated a new master key");
        Ok(MasterKey(XChaCha20Poly1305::new(&key)))
    }

    pub fn from_base64(b64: &str) -> Result<Self> {
        let bytes = STANDARD.decode(b64)?;
        if bytes.len() != 32 {
            bail!("the key has {} bytes, not 32", bytes.len());
        }
        Ok(MasterKey(XChaCha20Poly1305::new(bytes.as_slice().into())))
    }

    /// Encrypts to base64(nonce ‖ ciphertext).
    pub fn seal(&self, plaintext: &str) -> Result<String> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .0
            .encrypt(&nonce, plaintext.as_bytes())
            .map_err(|_| anyhow::anyhow!("Cannot encrypt a secret"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(STANDARD.encode(out))
    }

    pub fn open(&self, sealed: &str) -> Result<String> {
        let bytes = STANDARD
            .decode(sealed)
            .context("Sealed secret is not base64")?;
        if bytes.len() < 24 {
            bail!("Sealed secret is too short");
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let plain = self
            .0
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| {
                anyhow::anyhow!("Cannot decrypt a secret: wrong master key or damaged data")
            })?;
        String::from_utf8(plain).context("Decrypted secret is not UTF-8")
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("Cannot create {}", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("Cannot create {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_and_detects_tampering() {
        let dir = std::env::temp_dir().join(format!("mk-{}", uuid::Uuid::new_v4()));
        let key = MasterKey::load_or_create(None, &dir).unwrap();
        let sealed = key.seal("app-password").unwrap();
        assert!(!sealed.contains("app-password"));
        assert_eq!(key.open(&sealed).unwrap(), "app-password");
        let mut bytes = STANDARD.decode(&sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(key.open(&STANDARD.encode(bytes)).is_err());
        // The same file is read back on the next start.
        let again = MasterKey::load_or_create(None, &dir).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), "app-password");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
