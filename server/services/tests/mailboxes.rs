//! Connecting mailboxes against the real mail stack, on SQLite and PostgreSQL: the login
//! check, drafts, plan limits (shared mailboxes count), owner-only rules, visibility,
//! downgrades, and secrets never stored in plain text.

mod common;

use common::mail_stack::{Stack, stack};
use domain::{
    Access, CrmCreate, CrmMode, Language, MailboxSettings, Plan, Provider, Role, SyncPeriod,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Statement};
use services::{
    AppState, ServiceError,
    accounts::{self, Actor, NewMember, SignUp},
    entities::{mailbox, mailbox_grant},
    mail::tls::MailTrust,
    mailboxes::{self, ConnectRequest},
    plan,
    secrets::MasterKey,
};
use std::time::Duration;

fn state(db: DatabaseConnection, s: &Stack) -> AppState {
    let key = MasterKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
    let mut state = AppState::new(db, key, MailTrust::new(Some(&s.ca)).unwrap());
    state.connect_timeout = Duration::from_secs(5);
    state
}

async fn admin(db: &DatabaseConnection, email: &str) -> Actor {
    let user = accounts::sign_up(
        db,
        SignUp {
            workspace_name: "WS".into(),
            name: "Owner".into(),
            email: email.into(),
            password: "correct horse".into(),
            language: Language::En,
        },
    )
    .await
    .unwrap();
    Actor::load(db, user.id).await.unwrap()
}

async fn member(db: &DatabaseConnection, admin: &Actor, email: &str) -> Actor {
    let m = accounts::add_member(
        db,
        admin,
        NewMember {
            name: format!("Member {email}"),
            email: email.into(),
            password: "member password".into(),
            role: Role::Member,
        },
    )
    .await
    .unwrap();
    Actor::load(db, m.id).await.unwrap()
}

fn request(s: &Stack, user: &str) -> ConnectRequest {
    ConnectRequest {
        provider: Provider::OwnDomain,
        email: format!("{user}@example.test"),
        password: format!("{user}-pass-1"),
        imap: Some(s.imaps_server()),
        smtp: Some(s.smtps_server()),
        smtp_username: None,
        smtp_password: None,
    }
}

fn settings(access: Access, grantees: Vec<i64>) -> MailboxSettings {
    MailboxSettings {
        sender_name: "Olena from Acme".into(),
        mailbox_name: "Sales".into(),
        access,
        grantees,
        crm_mode: CrmMode::Off,
        crm_create: CrmCreate::default(),
        period: SyncPeriod::Month,
        folders: vec!["INBOX".into(), "Sent".into()],
    }
}

async fn connect(
    st: &AppState,
    s: &Stack,
    actor: &Actor,
    user: &str,
    access: Access,
    grantees: Vec<i64>,
) -> Result<i64, ServiceError> {
    let draft = mailboxes::check_and_draft(st, actor, request(s, user)).await?;
    mailboxes::connect(st, actor, &draft, settings(access, grantees)).await
}

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
async fn plan_limits_count_shared_mailboxes_and_name_the_plan() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let owner = admin(&t.db, "limits@acme.com").await;
        let colleague = member(&t.db, &owner, "colleague@acme.com").await;
        // Free: one mailbox, no sharing, no CRM.
        connect(&st, &s, &owner, "alice", Access::Personal, vec![])
            .await
            .unwrap();
        let err = connect(&st, &s, &owner, "bob", Access::Personal, vec![])
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                ServiceError::MailboxLimit {
                    plan: Plan::Free,
                    limit: 1
                }
            ),
            "{}: {err:?}",
            t.backend
        );

        plan::set_plan(&t.db, &owner, Plan::Standard).await.unwrap();
        // The colleague connects two own mailboxes, then is granted a third: 2 + 1 = 3.
        connect(&st, &s, &colleague, "alice", Access::Personal, vec![])
            .await
            .unwrap();
        connect(&st, &s, &colleague, "bob", Access::Personal, vec![])
            .await
            .unwrap();
        let shared = connect(
            &st,
            &s,
            &owner,
            "bob",
            Access::Shared,
            vec![colleague.user_id],
        )
        .await
        .unwrap();
        assert_eq!(
            mailboxes::mailbox_count(&t.db, colleague.user_id)
                .await
                .unwrap(),
            3
        );
        let err = connect(&st, &s, &colleague, "demo", Access::Personal, vec![])
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                ServiceError::MailboxLimit {
                    plan: Plan::Standard,
                    limit: 3
                }
            ),
            "{err:?}"
        );
        // Granting one more shared mailbox to someone at the limit is refused by name.
        let third = connect(&st, &s, &owner, "demo", Access::Personal, vec![])
            .await
            .unwrap();
        let err = mailboxes::update_settings(
            &st,
            &owner,
            third,
            settings(Access::Shared, vec![colleague.user_id]),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&err, ServiceError::GranteeAtLimit { name, plan: Plan::Standard, limit: 3 } if name.contains("colleague")),
            "{err:?}"
        );
        let _ = shared;
    }
}

#[tokio::test]
async fn free_plan_refuses_shared_access_and_crm_links() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let owner = admin(&t.db, "free@acme.com").await;
        let draft = mailboxes::check_and_draft(&st, &owner, request(&s, "alice"))
            .await
            .unwrap();
        let err = mailboxes::connect(&st, &owner, &draft, settings(Access::Shared, vec![]))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                ServiceError::PlanLacks {
                    feature: "shared",
                    ..
                }
            ),
            "{}",
            t.backend
        );
        let mut crm = settings(Access::Personal, vec![]);
        crm.crm_mode = CrmMode::Automatic;
        let err = mailboxes::connect(&st, &owner, &draft, crm)
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            ServiceError::PlanLacks { feature: "crm", .. }
        ));
    }
}

#[tokio::test]
async fn only_the_owner_changes_a_mailbox_and_strangers_cannot_see_it() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let owner = admin(&t.db, "own@acme.com").await;
        plan::set_plan(&t.db, &owner, Plan::Professional)
            .await
            .unwrap();
        let grantee = member(&t.db, &owner, "grantee@acme.com").await;
        let stranger = member(&t.db, &owner, "stranger@acme.com").await;
        let outsider = admin(&t.db, "outsider@other.com").await;
        let id = connect(
            &st,
            &s,
            &owner,
            "alice",
            Access::Shared,
            vec![grantee.user_id],
        )
        .await
        .unwrap();

        let seen = mailboxes::visible_mailboxes(&t.db, &grantee).await.unwrap();
        assert_eq!(seen.len(), 1, "{}", t.backend);
        assert!(!seen[0].is_owner);
        assert!(
            mailboxes::visible_mailboxes(&t.db, &stranger)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            mailboxes::visible_mailboxes(&t.db, &outsider)
                .await
                .unwrap()
                .is_empty()
        );

        assert!(matches!(
            mailboxes::details(&t.db, &grantee, id).await,
            Err(ServiceError::OwnerOnly)
        ));
        assert!(matches!(
            mailboxes::details(&t.db, &stranger, id).await,
            Err(ServiceError::NotFound)
        ));
        assert!(matches!(
            mailboxes::details(&t.db, &outsider, id).await,
            Err(ServiceError::NotFound)
        ));
        let err = mailboxes::update_settings(&st, &grantee, id, settings(Access::Personal, vec![]))
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceError::OwnerOnly));
        assert!(matches!(
            mailboxes::disconnect(&st, &grantee, id).await,
            Err(ServiceError::OwnerOnly)
        ));
        assert!(matches!(
            mailboxes::disconnect(&st, &outsider, id).await,
            Err(ServiceError::NotFound)
        ));
        assert!(matches!(
            mailboxes::change_password(&st, &stranger, id, "x").await,
            Err(ServiceError::NotFound)
        ));

        mailboxes::disconnect(&st, &owner, id).await.unwrap();
        assert!(
            mailboxes::visible_mailboxes(&t.db, &owner)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            mailbox_grant::Entity::find()
                .all(&t.db)
                .await
                .unwrap()
                .is_empty(),
            "{}: grants outlived the mailbox",
            t.backend
        );
    }
}

#[tokio::test]
async fn a_downgrade_hides_shared_access_but_deletes_nothing() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let owner = admin(&t.db, "down@acme.com").await;
        plan::set_plan(&t.db, &owner, Plan::Standard).await.unwrap();
        let grantee = member(&t.db, &owner, "g@acme.com").await;
        connect(
            &st,
            &s,
            &owner,
            "alice",
            Access::Shared,
            vec![grantee.user_id],
        )
        .await
        .unwrap();
        connect(&st, &s, &owner, "bob", Access::Personal, vec![])
            .await
            .unwrap();

        plan::set_plan(&t.db, &owner, Plan::Free).await.unwrap();
        let mine = mailboxes::visible_mailboxes(&t.db, &owner).await.unwrap();
        assert_eq!(
            mine.len(),
            2,
            "{}: over-limit mailboxes stay readable",
            t.backend
        );
        assert!(mine[0].shared_suspended);
        assert!(
            mailboxes::visible_mailboxes(&t.db, &grantee)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            mailbox_grant::Entity::find()
                .all(&t.db)
                .await
                .unwrap()
                .len(),
            1
        );
        let err = connect(&st, &s, &owner, "demo", Access::Personal, vec![])
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            ServiceError::MailboxLimit {
                plan: Plan::Free,
                ..
            }
        ));

        plan::set_plan(&t.db, &owner, Plan::Standard).await.unwrap();
        assert_eq!(
            mailboxes::visible_mailboxes(&t.db, &grantee)
                .await
                .unwrap()
                .len(),
            1,
            "{}",
            t.backend
        );
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
        assert!(matches!(err, ServiceError::Connect(_)), "{err:?}");
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
