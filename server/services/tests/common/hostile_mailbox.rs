//! A mailbox on the hostile fake IMAP server (`tests/fake_imap`), connected through the wizard.

use super::{
    mail_stack::Stack,
    mailbox_fixtures::{admin, settings},
};
use domain::{Access, Provider, Security, ServerAddress};
use services::{
    AppState,
    mailboxes::{self, ConnectRequest},
};

/// A mailbox on the fake server listening on `port`, connected through the wizard (the
/// SMTP half of the check goes to the real Postfix as alice).
pub async fn hostile_mailbox(st: &AppState, s: &Stack, port: u16) -> i64 {
    let owner = admin(
        &st.db,
        &format!("victim-{}@acme.com", uuid::Uuid::new_v4().simple()),
    )
    .await;
    let req = ConnectRequest {
        provider: Provider::OwnDomain,
        email: "mallory@hostile.test".into(),
        password: "anything-goes".into(),
        imap: Some(ServerAddress {
            host: "localhost".into(),
            port,
            security: Security::Tls,
        }),
        smtp: Some(s.smtps_server()),
        smtp_username: Some("alice@example.test".into()),
        smtp_password: Some("alice-pass-1".into()),
    };
    let draft = mailboxes::check_and_draft(st, &owner, req).await.unwrap();
    let mut chosen = settings(Access::Personal, vec![]);
    chosen.folders = vec!["INBOX".into()];
    mailboxes::connect(st, &owner, &draft, chosen)
        .await
        .unwrap()
}
