//! `sessions USER [REPS]`: from nothing to a folder's EXAMINE answered, the way each kind
//! of session logs in — a write-back's, a body fetched on opening, a Sent copy
//! (`SyncEngine::log_in`), and a sync run's or IDLE's (`log_in_to_examine`) — against a
//! bare client in the same run (TCP, TLS, greeting, LOGIN, EXAMINE: the round trips no
//! client can skip). Run behind `scripts/bench-link RTT_MS` to see a link's round trips.

use super::{common::mail_stack::stack, initial::Fresh, median, runtime};
use sea_orm::EntityTrait;
use services::entities::mailbox;
use std::time::Instant;

pub fn sessions(user: &str, reps: usize) {
    let s = stack();
    runtime().block_on(async {
        let fresh = Fresh::connect(&s, user, &["INBOX"], "sessions").await;
        let row = mailbox::Entity::find_by_id(fresh.mailbox_id)
            .one(&fresh.st.db)
            .await
            .expect("mailbox row")
            .expect("mailbox connected");
        let engine = fresh.engine();
        let (mut bare, mut other, mut examine) = (Vec::new(), Vec::new(), Vec::new());
        // Alternated, so a drift of the machine's speed falls on all three alike.
        for _ in 0..reps {
            let t = Instant::now();
            let mut session = bare_session(&s, user).await;
            session.examine("INBOX").await.expect("EXAMINE");
            bare.push(t.elapsed().as_secs_f64());
            session.logout().await.ok();

            let t = Instant::now();
            let mut session = engine.log_in(&row).await.expect("log_in");
            session.examine("INBOX").await.expect("EXAMINE");
            other.push(t.elapsed().as_secs_f64());
            session.logout().await.ok();

            let t = Instant::now();
            let mut session = engine.log_in_to_examine(&row).await.expect("log_in");
            session.examine("INBOX").await.expect("EXAMINE");
            examine.push(t.elapsed().as_secs_f64());
            session.logout().await.ok();
        }
        let (bare, other, examine) = (median(&bare), median(&other), median(&examine));
        println!(
            "to an EXAMINE answered, median of {reps}: bare client {:.1} ms; \
             other work (log_in) {:.1} ms ({:.2}x); sync/IDLE (log_in_to_examine) {:.1} ms ({:.2}x)",
            bare * 1e3,
            other * 1e3,
            other / bare,
            examine * 1e3,
            examine / bare
        );
        fresh.remove().await;
    });
}

/// The fewest steps to a logged-in session: TLS, the greeting, LOGIN; nothing asked.
async fn bare_session(
    s: &super::common::mail_stack::Stack,
    user: &str,
) -> async_imap::Session<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    let trust = services::mail::tls::MailTrust::new(Some(&s.ca)).expect("CA");
    let tcp = tokio::net::TcpStream::connect((s.host.as_str(), s.imaps))
        .await
        .expect("TCP");
    let name = rustls::pki_types::ServerName::try_from(s.host.clone()).expect("host name");
    let tls = trust.connector().connect(name, tcp).await.expect("TLS");
    let mut client = async_imap::Client::new(tls);
    client
        .read_response()
        .await
        .expect("greeting")
        .expect("a greeting");
    client
        .login(format!("{user}@example.test"), format!("{user}-pass-1"))
        .await
        .map_err(|(err, _)| err)
        .expect("LOGIN")
}
