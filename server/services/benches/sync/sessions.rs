//! `sessions USER [REPS]`: from nothing to a folder's EXAMINE answered, the way each kind
//! of session logs in — a write-back's, a body fetched on opening, a Sent copy
//! (`SyncEngine::log_in`), and a sync run's or IDLE's (`log_in_examining`, its EXAMINE
//! sent with the LOGIN) — against a bare client in the same run (TCP, TLS, greeting,
//! LOGIN, EXAMINE: the round trips of a client that waits for each answer), and against
//! a sync run's before the forty-eighth round (ENABLE and EXAMINE after the LOGIN's
//! answer: `log_in_examining` with no folder). Run behind `scripts/bench-link RTT_MS` to
//! see a link's round trips.

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
        // Built once, as the engine's is: only the connection is timed.
        let trust = services::mail::tls::MailTrust::new(Some(&s.ca)).expect("CA");
        let (mut bare, mut other, mut examine, mut before) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        // Alternated, so a drift of the machine's speed falls on all four alike.
        for _ in 0..reps {
            let t = Instant::now();
            let mut session = bare_session(&s, &trust, user).await;
            session.examine("INBOX").await.expect("EXAMINE");
            bare.push(t.elapsed().as_secs_f64());
            session.logout().await.ok();

            let t = Instant::now();
            let mut session = engine.log_in(&row).await.expect("log_in");
            session.examine("INBOX").await.expect("EXAMINE");
            other.push(t.elapsed().as_secs_f64());
            session.logout().await.ok();

            let t = Instant::now();
            let (mut session, told) = engine
                .log_in_examining(&row, Some("INBOX"), None)
                .await
                .expect("log_in");
            let told = told.map(|examined| examined.state);
            assert!(matches!(told, Some(Ok(_))), "EXAMINE sent with the LOGIN");
            examine.push(t.elapsed().as_secs_f64());
            session.logout().await.ok();

            let t = Instant::now();
            let (mut session, told) = engine
                .log_in_examining(&row, None, None)
                .await
                .expect("log_in");
            assert!(told.is_none());
            session.examine("INBOX").await.expect("EXAMINE");
            before.push(t.elapsed().as_secs_f64());
            session.logout().await.ok();
        }
        let bare = median(&bare);
        let ms_x = |v: &[f64]| format!("{:.1} ms ({:.2}x)", median(v) * 1e3, median(v) / bare);
        println!(
            "to an EXAMINE answered, median of {reps}: bare client {:.1} ms; write-back etc. \
             (log_in) {}; sync/IDLE (log_in_examining) {}; sync/IDLE before {}",
            bare * 1e3,
            ms_x(&other),
            ms_x(&examine),
            ms_x(&before)
        );
        fresh.remove().await;
    });
}

/// The fewest steps to a logged-in session: TLS, the greeting, LOGIN; nothing asked.
async fn bare_session(
    s: &super::common::mail_stack::Stack,
    trust: &services::mail::tls::MailTrust,
    user: &str,
) -> async_imap::Session<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
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
