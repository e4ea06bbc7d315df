//! A folder watched the way a recipient's client would see a message arrive: one IMAP
//! session kept open on the folder (`EXAMINE`, read-only), polled every [`POLL`] with
//! `NOOP` (Dovecot reports new mail at the end of a command, RFC 3501 §7) and
//! `UID SEARCH UID n:* HEADER Message-ID` (RFC 3501 §6.4.4), from the first UID not
//! yet seen, so the search stays small however many rounds came before.

use super::fixture::{MailUser, Stack};
use async_imap::Session;
use services::mail::login::{Tls, open_session};
use std::time::{Duration, Instant};

/// How often a folder is looked at: the resolution of the INBOX and Sent figures.
pub const POLL: Duration = Duration::from_millis(10);

pub struct Watch {
    session: Session<Tls>,
    /// The first UID not yet found by this watch.
    floor: u32,
    pub folder: String,
}

impl Watch {
    pub async fn open(s: &Stack, user: &MailUser, folder: &str) -> Watch {
        let (mut session, _) = open_session(&s.imaps_server(), &user.login(), &s.check_options())
            .await
            .unwrap_or_else(|e| panic!("IMAP login of {}: {e:?}", user.email()));
        let mb = session
            .examine(folder)
            .await
            .unwrap_or_else(|e| panic!("EXAMINE {folder}: {e}"));
        Watch {
            session,
            floor: mb.uid_next.unwrap_or(1),
            folder: folder.to_owned(),
        }
    }

    /// Milliseconds from `t0` until a message with this Message-ID (`<…>`) is in the
    /// folder; `Err` at `deadline` or on an IMAP error.
    pub async fn until_found(
        &mut self,
        message_id: &str,
        t0: Instant,
        deadline: Instant,
    ) -> Result<f64, String> {
        let query = |floor: u32| format!("UID {floor}:* HEADER Message-ID \"{message_id}\"");
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let look = async {
                self.session.noop().await?;
                self.session.uid_search(query(self.floor)).await
            };
            let found = tokio::time::timeout(left, look)
                .await
                .map_err(|_| format!("{message_id} not in {} within the deadline", self.folder))?
                .map_err(|e| format!("IMAP on {}: {e}", self.folder))?;
            // EXISTS and RECENT of each arrival are not needed; the channel is bounded.
            while self.session.unsolicited_responses.try_recv().is_ok() {}
            if let Some(uid) = found.into_iter().max() {
                let at = super::ms(t0.elapsed());
                self.floor = self.floor.max(uid + 1);
                return Ok(at);
            }
            if Instant::now() + POLL >= deadline {
                return Err(format!(
                    "{message_id} not in {} within the deadline",
                    self.folder
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.session.logout()).await;
    }
}
