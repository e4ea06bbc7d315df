//! Mailbox passwords never reach the logs, even at TRACE level, whether the login check
//! succeeds or fails (real mail stack, SQLite).

use crate::common;

use common::log_capture::Captured;
use common::mail_stack::stack;
use domain::{Access, CrmCreate, CrmMode, Language, MailboxSettings, Provider, SyncPeriod};
use services::{
    AppState,
    accounts::{self, Actor, SignUp},
    mail::tls::MailTrust,
    mailboxes::{self, ConnectRequest},
    secrets::MasterKey,
};

#[tokio::test]
async fn passwords_are_not_logged_even_at_trace_level() {
    let captured = Captured::install();

    let s = stack();
    let t = common::sqlite().await;
    let key = MasterKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
    let state = AppState::new(t.db.clone(), key, MailTrust::new(Some(&s.ca)).unwrap());
    let user = accounts::sign_up(
        &t.db,
        SignUp {
            workspace_name: "Logs".into(),
            name: "Owner".into(),
            email: "logs@acme.com".into(),
            password: "workspace password 1".into(),
            language: Language::En,
        },
    )
    .await
    .unwrap();
    let actor = Actor::load(&t.db, user.id).await.unwrap();
    let request = |password: &str| ConnectRequest {
        provider: Provider::OwnDomain,
        email: "alice@example.test".into(),
        password: password.into(),
        imap: Some(s.imaps_server()),
        smtp: Some(s.smtps_server()),
        smtp_username: None,
        smtp_password: None,
    };
    assert!(
        mailboxes::check_and_draft(&state, &actor, request("Wr0ng-Secret-77"))
            .await
            .is_err()
    );
    let draft = mailboxes::check_and_draft(&state, &actor, request("alice-pass-1"))
        .await
        .unwrap();
    mailboxes::connect(
        &state,
        &actor,
        &draft,
        MailboxSettings {
            sender_name: "Owner".into(),
            mailbox_name: "Logs".into(),
            access: Access::Personal,
            grantees: vec![],
            crm_mode: CrmMode::Off,
            crm_create: CrmCreate::default(),
            period: SyncPeriod::Week,
            folders: vec!["INBOX".into()],
        },
    )
    .await
    .unwrap();

    let log = captured.text();
    assert!(
        log.contains("mailbox connected"),
        "the capture works: {log}"
    );
    for secret in ["alice-pass-1", "Wr0ng-Secret-77", "workspace password 1"] {
        let leaks: Vec<&str> = log.lines().filter(|l| l.contains(secret)).collect();
        assert!(
            leaks.is_empty(),
            "{secret} leaked into the logs: {leaks:#?}"
        );
    }
}
