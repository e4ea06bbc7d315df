use crate::{
    mail::{discovery::DiscoveryConfig, tls::MailTrust},
    mail_actions::ActionWaker,
    oauth::OAuth,
    secrets::MasterKey,
    sending::SendWaker,
    sync::SyncWaker,
    throttle::Throttles,
};
use sea_orm::DatabaseConnection;
use std::{sync::Arc, time::Duration};

/// What every request handler and server function is handed: one pool, one key, one limiter.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub master_key: MasterKey,
    /// Log-in, sign-up, mailbox check and password change attempts (`throttle`).
    pub throttles: Arc<Throttles>,
    /// Take the client address from the rightmost `X-Forwarded-For` entry
    /// (`TRUST_PROXY_HEADERS`, behind a proxy that sets it).
    pub trust_proxy_headers: bool,
    /// Roots trusted for IMAP and SMTP.
    pub mail_trust: MailTrust,
    /// Bound on one IMAP or SMTP login check (connect, TLS, login, folder list).
    pub connect_timeout: Duration,
    /// Where and how servers of an own domain are looked up.
    pub discovery: DiscoveryConfig,
    /// Wakes this process's sync scheduler after Connect, **Sync now**, a plan change.
    pub sync_waker: SyncWaker,
    /// Wakes this process's write-back worker after a reader's action (`mail_actions`).
    pub action_waker: ActionWaker,
    /// Wakes this process's send worker after Send or Undo (`sending`).
    pub send_waker: SendWaker,
    /// Most bytes the attachments of one message may have together (`MAIL_ATTACHMENTS_MB`).
    pub attachment_limit: u64,
    /// The OAuth2 sign-ins offered (Microsoft 365, Google) and their token endpoint.
    pub oauth: OAuth,
}

impl AppState {
    pub fn new(db: DatabaseConnection, master_key: MasterKey, mail_trust: MailTrust) -> Self {
        Self {
            db,
            master_key,
            throttles: Arc::new(Throttles::default()),
            trust_proxy_headers: false,
            mail_trust,
            connect_timeout: Duration::from_secs(15),
            discovery: DiscoveryConfig::default(),
            sync_waker: SyncWaker::default(),
            action_waker: ActionWaker::default(),
            send_waker: SendWaker::default(),
            attachment_limit: crate::sending::DEFAULT_ATTACHMENT_LIMIT,
            oauth: OAuth::default(),
        }
    }
}
