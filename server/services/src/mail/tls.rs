//! What every outgoing mail connection trusts: the public web roots plus, when configured,
//! extra CA certificates (the demo and test servers' throwaway CA) — verification is never
//! off — and which addresses it may reach at all (`address_policy`).

use super::address_policy::AddressPolicy;
use anyhow::{Context, Result};
use rustls::pki_types::{CertificateDer, pem::PemObject};
use std::{path::Path, sync::Arc};

/// Roots and address policy for every mail connection. Built once at start and shared by
/// the login check, the sync, IDLE and (later) sending.
#[derive(Clone, Debug)]
pub struct MailTrust {
    config: Arc<rustls::ClientConfig>,
    extra_ca_pem: Option<Arc<Vec<u8>>>,
    policy: AddressPolicy,
}

impl MailTrust {
    /// The address policy comes from `MAIL_ALLOW_PRIVATE` (off unless set); see
    /// [`MailTrust::with_policy`].
    pub fn new(extra_ca_file: Option<&Path>) -> Result<Self> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let mut extra_ca_pem = None;
        if let Some(path) = extra_ca_file {
            let pem = std::fs::read(path)
                .with_context(|| format!("Cannot read MAIL_EXTRA_CA_FILE {}", path.display()))?;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                roots
                    .add(cert.context("Bad certificate in MAIL_EXTRA_CA_FILE")?)
                    .context("Unusable CA certificate in MAIL_EXTRA_CA_FILE")?;
            }
            extra_ca_pem = Some(Arc::new(pem));
        }
        // ring explicitly: a second provider compiled in elsewhere must not make this panic.
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .context("Cannot set TLS protocol versions")?
        .with_root_certificates(roots)
        .with_no_client_auth();
        Ok(MailTrust {
            config: Arc::new(config),
            extra_ca_pem,
            policy: AddressPolicy::from_env(),
        })
    }

    /// The same roots under another address policy.
    pub fn with_policy(mut self, policy: AddressPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Which addresses mail connections may reach.
    pub fn policy(&self) -> AddressPolicy {
        self.policy
    }

    /// The same roots for HTTPS (the OAuth2 token endpoint, through reqwest).
    pub fn rustls_config(&self) -> rustls::ClientConfig {
        (*self.config).clone()
    }

    /// For IMAP and implicit-TLS SMTP (tokio-rustls).
    pub fn connector(&self) -> tokio_rustls::TlsConnector {
        tokio_rustls::TlsConnector::from(self.config.clone())
    }

    /// For SMTP's STARTTLS, which lettre performs with its own rustls config: same roots,
    /// same verification.
    pub fn smtp_parameters(
        &self,
        host: &str,
    ) -> Result<lettre::transport::smtp::client::TlsParameters> {
        use lettre::transport::smtp::client::{Certificate, TlsParameters};
        let mut builder = TlsParameters::builder(host.to_owned());
        if let Some(pem) = &self.extra_ca_pem {
            builder = builder.add_root_certificate(
                Certificate::from_pem(pem).context("Bad certificate in MAIL_EXTRA_CA_FILE")?,
            );
        }
        builder.build().context("Cannot build SMTP TLS parameters")
    }
}
