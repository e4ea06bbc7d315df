//! The wizard for an own domain with empty servers: discovery fills step B for the user to
//! confirm (no password is sent to discovered servers before that), or says it found none.

use crate::common;

use common::mail_stack::stack;
use domain::{Language, Provider, Security};
use services::{
    AppState, ServiceError,
    accounts::{self, Actor, SignUp},
    mail::{discovery::DiscoveryConfig, tls::MailTrust},
    mailboxes::{self, ConnectRequest},
    secrets::MasterKey,
};
use std::time::Duration;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

/// Serves the fixture autoconfig file to every request, until the test ends.
async fn autoconfig_server() -> u16 {
    let xml = include_str!("../../../scripts/discovery-fixtures/good.xml");
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
                xml.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    port
}

async fn setup(discovery: DiscoveryConfig) -> (AppState, Actor) {
    let s = stack();
    let t = common::sqlite().await;
    let key = MasterKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
    let mut state = AppState::new(t.db.clone(), key, MailTrust::new(Some(&s.ca)).unwrap());
    state.discovery = discovery;
    let user = accounts::sign_up(
        &t.db,
        SignUp {
            workspace_name: "D".into(),
            name: "D".into(),
            email: "d@acme.com".into(),
            password: "correct horse".into(),
            language: Language::En,
        },
    )
    .await
    .unwrap();
    let actor = Actor::load(&t.db, user.id).await.unwrap();
    (state, actor)
}

fn own_domain(email: &str) -> ConnectRequest {
    ConnectRequest {
        provider: Provider::OwnDomain,
        email: email.into(),
        password: "secret".into(),
        imap: None,
        smtp: None,
        smtp_username: None,
        smtp_password: None,
    }
}

fn quick(autoconfig_urls: Vec<String>) -> DiscoveryConfig {
    DiscoveryConfig {
        // A port nobody answers: SRV lookups fail fast instead of asking the host's resolver.
        dns_server: Some("127.0.0.1:9".parse().unwrap()),
        autoconfig_urls,
        timeout: Duration::from_millis(500),
        allow_private_addresses: true,
        ..DiscoveryConfig::default()
    }
}

#[tokio::test]
async fn discovered_servers_come_back_to_confirm() {
    let port = autoconfig_server().await;
    let (state, actor) = setup(quick(vec![format!(
        "http://127.0.0.1:{port}/{{domain}}/config-v1.1.xml?emailaddress={{email}}"
    )]))
    .await;
    let err = mailboxes::check_and_draft(&state, &actor, own_domain("olena@corp.test"))
        .await
        .unwrap_err();
    let ServiceError::ConfirmServers { email, imap, smtp } = err else {
        panic!("expected servers to confirm, got {err:?}");
    };
    assert_eq!(email, "olena@corp.test");
    assert_eq!(
        (imap.host.as_str(), imap.port, imap.security),
        ("imap.corp.test", 993, Security::Tls)
    );
    assert_eq!(
        (smtp.host.as_str(), smtp.port, smtp.security),
        ("smtp.corp.test", 587, Security::StartTls)
    );
}

#[tokio::test]
async fn nothing_found_asks_for_the_servers() {
    let (state, actor) = setup(quick(vec![])).await;
    let started = std::time::Instant::now();
    let err = mailboxes::check_and_draft(&state, &actor, own_domain("olena@nothing-here.invalid"))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::ServersNeeded), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}
