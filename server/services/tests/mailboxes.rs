//! Connecting mailboxes against the real mail stack, on SQLite and PostgreSQL: the login
//! check, drafts, secrets never stored in plain text, one address per user, new passwords.

use crate::common;

use common::{
    mail_stack::stack,
    mailbox_fixtures::{admin, connect, member, request, settings, state},
};
use domain::{Access, Plan};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use services::{ServiceError, entities::mailbox, mailboxes, plan};

#[tokio::test]
async fn connecting_checks_both_servers_stores_sealed_secrets_and_folders() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let owner = admin(&t.db, "owner@acme.com").await;
        let draft = mailboxes::check_and_draft(&st, &owner, request(&s, "alice"))
            .await
            .unwrap();
        let view = mailboxes::load_draft(&t.db, &owner, &draft).await.unwrap();
        let names: Vec<&str> = view
            .folders
            .iter()
            .map(|f| f.display_name.as_str())
            .collect();
        assert!(
            names.contains(&"Projects/2026") && names.contains(&"Клієнти"),
            "{names:?}"
        );
        let selected: Vec<&str> = view
            .folders
            .iter()
            .filter(|f| f.selected)
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(selected, ["INBOX", "Sent"], "{}", t.backend);

        let id = mailboxes::connect(&st, &owner, &draft, settings(Access::Personal, vec![]))
            .await
            .unwrap();
        let list = mailboxes::visible_mailboxes(&t.db, &owner).await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].email, "alice@example.test");
        assert_eq!(list[0].status, domain::MailboxStatus::WaitingFirstSync);
        // The draft is used up, and the password is nowhere in plain text.
        assert!(matches!(
            mailboxes::load_draft(&t.db, &owner, &draft).await,
            Err(ServiceError::DraftExpired)
        ));
        let row = mailbox::Entity::find_by_id(id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            st.master_key.open(&row.imap_secret).unwrap(),
            "alice-pass-1"
        );
        let dump =
            t.db.query_all_raw(Statement::from_string(
                t.db.get_database_backend(),
                "SELECT * FROM mailboxes".to_owned(),
            ))
            .await
            .unwrap();
        assert!(
            !format!("{dump:?}").contains("alice-pass-1"),
            "{}: plaintext password stored",
            t.backend
        );
        let details = mailboxes::details(&t.db, &owner, id).await.unwrap();
        assert_eq!(details.settings.folders, ["INBOX", "Sent"]);
        assert!(!format!("{details:?}").contains("alice-pass-1"));
    }
}

#[tokio::test]
async fn a_wrong_password_stores_nothing() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let owner = admin(&t.db, "wrong@acme.com").await;
        let mut req = request(&s, "alice");
        req.password = "not-it".into();
        let err = mailboxes::check_and_draft(&st, &owner, req)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ServiceError::Connect(f) if f.problem == domain::ConnectProblem::WrongPassword && f.server == domain::ServerRole::Imap),
            "{err:?}"
        );
        let drafts =
            t.db.query_all_raw(Statement::from_string(
                t.db.get_database_backend(),
                "SELECT id FROM connection_drafts".to_owned(),
            ))
            .await
            .unwrap();
        assert!(drafts.is_empty(), "{}", t.backend);
        assert!(mailbox::Entity::find().all(&t.db).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn one_user_connects_an_address_once_another_user_may_too() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let owner = admin(&t.db, "dup@acme.com").await;
        plan::set_plan(&t.db, &owner, Plan::Professional)
            .await
            .unwrap();
        let other = member(&t.db, &owner, "other@acme.com").await;
        connect(&st, &s, &owner, "alice", Access::Personal, vec![])
            .await
            .unwrap();
        let err = connect(&st, &s, &owner, "alice", Access::Personal, vec![])
            .await
            .unwrap_err();
        assert!(
            matches!(err, ServiceError::AlreadyConnected),
            "{}",
            t.backend
        );
        connect(&st, &s, &other, "alice", Access::Personal, vec![])
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_new_password_is_checked_before_it_replaces_the_old() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let owner = admin(&t.db, "pw@acme.com").await;
        let id = connect(&st, &s, &owner, "alice", Access::Personal, vec![])
            .await
            .unwrap();
        let err = mailboxes::change_password(&st, &owner, id, "wrong")
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ServiceError::Connect(f) if f.problem == domain::ConnectProblem::WrongPassword && f.server == domain::ServerRole::Imap),
            "{err:?}"
        );
        let row = mailbox::Entity::find_by_id(id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            st.master_key.open(&row.imap_secret).unwrap(),
            "alice-pass-1",
            "{}",
            t.backend
        );
        mailboxes::change_password(&st, &owner, id, "alice-pass-1")
            .await
            .unwrap();
    }
}
