//! Against the project's real Dovecot + Postfix (scripts/mail-stack): a message submitted
//! over SMTP with AUTH is readable over IMAPS, with certificate verification on.
//! Needs `scripts/mail-stack/mail-stack start` and its env (`make test` does both).

use crate::common;

use common::mail_stack::{Stack, stack};
use futures_util::TryStreamExt;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    transport::smtp::{authentication::Credentials, client::Tls},
};
use rustls::pki_types::ServerName;
use services::mail::tls::MailTrust;
use tokio::{io::BufWriter, net::TcpStream};

async fn imap_subjects(s: &Stack, trust: &MailTrust, user: &str, pass: &str) -> Vec<String> {
    let tcp = TcpStream::connect((s.host.as_str(), s.imaps))
        .await
        .unwrap();
    let tls = trust
        .connector()
        .connect(ServerName::try_from(s.host.clone()).unwrap(), tcp)
        .await
        .unwrap();
    let mut client = async_imap::Client::new(BufWriter::new(tls));
    client.read_response().await.unwrap().unwrap();
    let mut session = client.login(user, pass).await.map_err(|(e, _)| e).unwrap();
    session.select("INBOX").await.unwrap();
    let fetched: Vec<_> = session
        .uid_fetch("1:*", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    session.logout().await.unwrap();
    fetched
        .iter()
        .filter_map(|f| {
            f.header()
                .map(|h| String::from_utf8_lossy(h).trim().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn smtp_submission_with_auth_arrives_over_imaps_with_verified_tls() {
    let s = stack();
    let trust = MailTrust::new(Some(&s.ca)).unwrap();
    let marker = format!("stack check {}", uuid::Uuid::new_v4());
    for (port, tls) in [
        (
            s.submission,
            Tls::Required(trust.smtp_parameters(&s.host).unwrap()),
        ),
        (
            s.smtps,
            Tls::Wrapper(trust.smtp_parameters(&s.host).unwrap()),
        ),
    ] {
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host)
            .port(port)
            .tls(tls)
            .credentials(Credentials::new(
                "alice@example.test".into(),
                "alice-pass-1".into(),
            ))
            .build();
        let message = Message::builder()
            .from("Alice <alice@example.test>".parse().unwrap())
            .to("Bob <bob@example.test>".parse().unwrap())
            .subject(format!("{marker} via {port}"))
            .body("Привіт, Bob".to_owned())
            .unwrap();
        mailer.send(message).await.unwrap();
    }
    let inbox = || imap_subjects(&s, &trust, "bob@example.test", "bob-pass-1");
    let delivered = common::wait::wait_for(
        std::time::Duration::from_secs(10),
        std::time::Duration::from_millis(100),
        || async {
            let found = inbox().await;
            (found.iter().filter(|h| h.contains(&marker)).count() == 2).then_some(())
        },
    )
    .await;
    if delivered.is_none() {
        panic!(
            "both messages should arrive; INBOX subjects: {:?}",
            inbox().await
        );
    }
}

#[tokio::test]
async fn the_test_ca_is_needed_verification_is_on() {
    let s = stack();
    let public_only = MailTrust::new(None).unwrap();
    let tcp = TcpStream::connect((s.host.as_str(), s.imaps))
        .await
        .unwrap();
    let err = public_only
        .connector()
        .connect(ServerName::try_from(s.host.clone()).unwrap(), tcp)
        .await
        .expect_err("a throwaway-CA certificate must not be trusted without the CA");
    let inner = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    assert!(
        matches!(inner, Some(rustls::Error::InvalidCertificate(_))),
        "{err:?}"
    );
}
