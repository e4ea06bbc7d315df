//! Connecting with an OAuth2 sign-in, against the test stack's real authorization server
//! and the real Dovecot + Postfix (XOAUTH2): the flow from start to step C, sync with the
//! token, the state's single use and binding, a personal Microsoft account refused, and
//! no token in clear in the database.

use crate::common;
use crate::oauth_fixtures;

use common::{
    databases,
    mail_stack::stack,
    mailbox_fixtures::admin,
    sync_fixtures::{mail_user, seed},
};
use domain::{AuthMethod, MailboxStatus, Provider, SignInProblem};
use oauth_fixtures::*;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Statement};
use services::{
    entities::{mailbox, message, oauth_grant},
    error::ServiceError,
    mailboxes,
    sync::schedule::Outcome,
};

#[tokio::test]
async fn a_signed_in_microsoft_365_mailbox_connects_and_syncs_with_xoauth2() {
    let (s, a) = (stack(), auth_server());
    for t in databases().await {
        let st = oauth_state(t.db.clone(), &s, &a);
        let user = mail_user("ms");
        seed(&user, 3, "INBOX");
        let (_, id) = connect_signed_in(&st, &a, &user, Provider::Microsoft365).await;
        let row = mailbox::Entity::find_by_id(id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.auth, AuthMethod::OAuth2, "{}", t.backend);
        assert_eq!(row.provider, Provider::Microsoft365);
        assert!(row.imap_secret.is_empty() && row.smtp_secret.is_empty());
        let engine = oauth_engine(&st);
        assert_eq!(
            engine.sync_mailbox(id).await,
            Outcome::Synced,
            "{}",
            t.backend
        );
        let stored = message::Entity::find().count(&t.db).await.unwrap();
        assert_eq!(stored, 3, "{}: every INBOX message synced", t.backend);
        let email = format!("{user}@example.test");
        assert_eq!(stats(&a, &email).await["code_grants"], 1, "{}", t.backend);
    }
}

#[tokio::test]
async fn gmail_signs_in_the_same_way() {
    let (s, a) = (stack(), auth_server());
    let t = common::sqlite().await;
    let st = oauth_state(t.db.clone(), &s, &a);
    let user = mail_user("gm");
    let (_, id) = connect_signed_in(&st, &a, &user, Provider::Gmail).await;
    let row = mailbox::Entity::find_by_id(id)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.provider, row.auth),
        (Provider::Gmail, AuthMethod::OAuth2)
    );
    assert_eq!(oauth_engine(&st).sync_mailbox(id).await, Outcome::Synced);
}

#[tokio::test]
async fn a_personal_microsoft_account_is_refused() {
    let (s, a) = (stack(), auth_server());
    let t = common::sqlite().await;
    let st = oauth_state(t.db.clone(), &s, &a);
    let user = mail_user("consumer");
    let email = format!("{user}@example.test");
    control(
        &a,
        "/_test/user",
        serde_json::json!({"email": email, "tid": CONSUMER_TENANT}),
    )
    .await;
    let actor = admin(&t.db, &format!("o-{user}@acme.com")).await;
    let err = sign_in(&st, &a, &actor, "s1", Provider::Microsoft365, None, &email)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ServiceError::SignIn(SignInProblem::PersonalAccount)),
        "{err:?}"
    );
    assert_eq!(mailbox::Entity::find().count(&t.db).await.unwrap(), 0);
}

#[tokio::test]
async fn a_forged_replayed_or_other_users_state_is_refused() {
    let (s, a) = (stack(), auth_server());
    let t = common::sqlite().await;
    let st = oauth_state(t.db.clone(), &s, &a);
    let user = mail_user("state");
    let email = format!("{user}@example.test");
    let ann = admin(&t.db, &format!("ann-{user}@acme.com")).await;
    let bob = admin(&t.db, &format!("bob-{user}@acme.com")).await;
    let refused = |r: Result<mailboxes::SignInDone, ServiceError>| {
        assert!(
            matches!(r, Err(ServiceError::SignIn(SignInProblem::StateInvalid))),
            "{r:?}"
        )
    };

    // Forged: a state nobody started.
    let url = mailboxes::start_sign_in(&st, &ann, "ann-s", Provider::Microsoft365, None)
        .await
        .unwrap();
    let mut back = sign_in_page(&a, &url, &email).await;
    let real_state = back.state.clone();
    back.state = Some("forged-state".into());
    refused(mailboxes::finish_sign_in(&st, &ann, "ann-s", back.clone()).await);

    // Another user, or another session of the same user, with Ann's real state.
    back.state = real_state;
    refused(mailboxes::finish_sign_in(&st, &bob, "ann-s", back.clone()).await);
    refused(mailboxes::finish_sign_in(&st, &ann, "other-session", back.clone()).await);

    // Ann's own callback works once; the same callback again is a replay.
    let done = mailboxes::finish_sign_in(&st, &ann, "ann-s", back.clone()).await;
    assert!(
        matches!(done, Ok(mailboxes::SignInDone::Draft(_))),
        "{done:?}"
    );
    refused(mailboxes::finish_sign_in(&st, &ann, "ann-s", back).await);

    // No state at all, and a user who cancelled at the provider.
    refused(mailboxes::finish_sign_in(&st, &ann, "ann-s", Default::default()).await);
    control(
        &a,
        "/_test/user",
        serde_json::json!({"email": email, "deny": true}),
    )
    .await;
    let denied = sign_in(&st, &a, &ann, "ann-s", Provider::Microsoft365, None, &email).await;
    assert!(
        matches!(denied, Err(ServiceError::SignIn(SignInProblem::Denied))),
        "{denied:?}"
    );
}

#[tokio::test]
async fn an_unconfigured_provider_says_so() {
    let s = stack();
    let t = common::sqlite().await;
    let st = common::mailbox_fixtures::state(t.db.clone(), &s);
    let actor = admin(&t.db, "unconfigured@acme.com").await;
    let err = mailboxes::start_sign_in(&st, &actor, "s", Provider::Microsoft365, None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ServiceError::SignIn(SignInProblem::NotConfigured)),
        "{err:?}"
    );
}

#[tokio::test]
async fn tokens_are_never_stored_in_clear() {
    let (s, a) = (stack(), auth_server());
    for t in databases().await {
        let st = oauth_state(t.db.clone(), &s, &a);
        let user = mail_user("clear");
        let (_, id) = connect_signed_in(&st, &a, &user, Provider::Microsoft365).await;
        let grant = oauth_grant::Entity::find_by_id(id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        let access = st.master_key.open(&grant.access_secret).unwrap();
        let refresh = st.master_key.open(&grant.refresh_secret).unwrap();
        assert!(access.len() > 20 && refresh.len() > 10);
        let dump = dump_rows(&t.db).await;
        for secret in [&access, &refresh] {
            assert!(
                !dump.contains(secret.as_str()),
                "{}: a token in clear",
                t.backend
            );
        }
        assert!(
            !dump.contains("eyJ"),
            "{}: no JWT in clear anywhere",
            t.backend
        );
        let status = mailbox::Entity::find_by_id(id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap()
            .status;
        assert_eq!(status, MailboxStatus::WaitingFirstSync);
    }
}

/// Every row of the tables that could hold a secret, as text.
async fn dump_rows(db: &sea_orm::DatabaseConnection) -> String {
    let mut all = String::new();
    for table in [
        "mailboxes",
        "oauth_grants",
        "oauth_flows",
        "connection_drafts",
        "sessions",
    ] {
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT * FROM {table}"),
            ))
            .await
            .unwrap();
        for row in rows {
            all.push_str(&format!("{row:?}\n"));
        }
    }
    all
}
