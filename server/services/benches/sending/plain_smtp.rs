//! The baseline: the same message sent by a plain SMTP client in the same run — lettre's
//! `AsyncSmtpConnection`, a new connection per message as the app opens one (implicit TLS
//! to the same SMTPS port, EHLO, AUTH PLAIN, MAIL/RCPT/DATA, QUIT) — and the copy in Sent
//! as a plain client files it: a new IMAP login and `APPEND … (\Seen)` (RFC 3501 §6.3.11).

use super::{
    fixture::{MailUser, Stack},
    ms,
    watch::Watch,
};
use lettre::{
    Address,
    address::Envelope,
    transport::smtp::{
        authentication::{Credentials, Mechanism},
        client::{AsyncSmtpConnection, Certificate, TlsParameters},
        extension::ClientId,
    },
};
use services::mail::login::open_session;
use std::time::{Duration, Instant};

/// One baseline message's times, in ms from the moment it is handed to the client.
pub struct BaseTimes {
    /// TCP, TLS, EHLO and AUTH done.
    pub connected: f64,
    /// MAIL, RCPT, DATA: the server has accepted the message.
    pub accepted: f64,
    /// QUIT answered.
    pub quit: f64,
    /// The IMAP login (TCP, TLS, LOGIN) after the send, ms.
    pub imap_login: f64,
    /// The APPEND itself, ms.
    pub append: f64,
    /// In the recipient's INBOX.
    pub inbox: f64,
    /// The APPEND to Sent answered OK.
    pub sent: f64,
}

pub struct PlainSmtp {
    host: String,
    port: u16,
    tls: TlsParameters,
    credentials: Credentials,
}

impl PlainSmtp {
    /// The sender's login on the stack's SMTPS port, trusting the stack's CA.
    pub fn new(s: &Stack, user: &MailUser) -> PlainSmtp {
        let pem = std::fs::read(&s.ca).expect("the mail stack's CA");
        let tls = TlsParameters::builder(s.host.clone())
            .add_root_certificate(Certificate::from_pem(&pem).expect("a PEM certificate"))
            .build()
            .expect("TLS parameters");
        PlainSmtp {
            host: s.host.clone(),
            port: s.smtps,
            tls,
            credentials: Credentials::new(user.email(), user.password()),
        }
    }

    /// Sends `raw` from `from` to `to` on a new connection; (connected, accepted, quit)
    /// in ms from `t0`.
    async fn send(
        &self,
        from: &Address,
        to: &Address,
        raw: &[u8],
        t0: Instant,
    ) -> Result<(f64, f64, f64), String> {
        let hello = ClientId::Domain("localhost".into());
        let mut conn = AsyncSmtpConnection::connect_tokio1(
            (self.host.as_str(), self.port),
            Some(Duration::from_secs(10)),
            &hello,
            Some(self.tls.clone()),
            None,
        )
        .await
        .map_err(|e| format!("SMTP connect: {e}"))?;
        conn.auth(&[Mechanism::Plain], &self.credentials)
            .await
            .map_err(|e| format!("SMTP AUTH: {e}"))?;
        let connected = ms(t0.elapsed());
        let envelope = Envelope::new(Some(from.clone()), vec![to.clone()])
            .map_err(|e| format!("envelope: {e}"))?;
        conn.send(&envelope, raw)
            .await
            .map_err(|e| format!("SMTP send: {e}"))?;
        let accepted = ms(t0.elapsed());
        conn.quit().await.map_err(|e| format!("SMTP QUIT: {e}"))?;
        Ok((connected, accepted, ms(t0.elapsed())))
    }
}

/// One baseline round: send `raw` (Message-ID `message_id`, `<…>`) and file it in Sent,
/// while `inbox` watches for it.
#[allow(clippy::too_many_arguments)]
pub async fn round(
    plain: &PlainSmtp,
    s: &Stack,
    sender: &MailUser,
    from: &Address,
    to: &Address,
    raw: &[u8],
    message_id: &str,
    inbox: &mut Watch,
    deadline: Instant,
) -> Result<BaseTimes, String> {
    let t0 = Instant::now();
    let send_and_file = async {
        let (connected, accepted, quit) = plain.send(from, to, raw, t0).await?;
        let login_t0 = Instant::now();
        let (mut imap, _) = open_session(&s.imaps_server(), &sender.login(), &s.check_options())
            .await
            .map_err(|e| format!("IMAP login: {e:?}"))?;
        let imap_login = ms(login_t0.elapsed());
        let append_t0 = Instant::now();
        imap.append("Sent", Some("(\\Seen)"), None, raw)
            .await
            .map_err(|e| format!("APPEND: {e}"))?;
        let append = ms(append_t0.elapsed());
        let sent = ms(t0.elapsed());
        let _ = tokio::time::timeout(Duration::from_secs(5), imap.logout()).await;
        Ok::<_, String>((connected, accepted, quit, imap_login, append, sent))
    };
    let left = deadline.saturating_duration_since(Instant::now());
    let (filed, arrived) = tokio::join!(
        tokio::time::timeout(left, send_and_file),
        inbox.until_found(message_id, t0, deadline)
    );
    let (connected, accepted, quit, imap_login, append, sent) =
        filed.map_err(|_| "baseline send and APPEND: not within the deadline".to_owned())??;
    Ok(BaseTimes {
        connected,
        accepted,
        quit,
        imap_login,
        append,
        inbox: arrived?,
        sent,
    })
}
