//! Fixtures for the mailbox tests: a workspace, members, and a mailbox connected to the
//! real mail stack.

#![allow(dead_code)]

use super::mail_stack::Stack;
use domain::{Access, CrmCreate, CrmMode, Language, MailboxSettings, Provider, Role, SyncPeriod};
use sea_orm::DatabaseConnection;
use services::{
    AppState, ServiceError,
    accounts::{self, Actor, NewMember, SignUp},
    mail::tls::MailTrust,
    mailboxes::{self, ConnectRequest},
    secrets::MasterKey,
};
use std::time::Duration;

pub fn state(db: DatabaseConnection, s: &Stack) -> AppState {
    let key = MasterKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
    let mut state = AppState::new(db, key, MailTrust::new(Some(&s.ca)).unwrap());
    state.connect_timeout = Duration::from_secs(5);
    state
}

pub async fn admin(db: &DatabaseConnection, email: &str) -> Actor {
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

pub async fn member(db: &DatabaseConnection, admin: &Actor, email: &str) -> Actor {
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

pub fn request(s: &Stack, user: &str) -> ConnectRequest {
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

pub fn settings(access: Access, grantees: Vec<i64>) -> MailboxSettings {
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

pub async fn connect(
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

/// Points mailbox `id`'s IMAP at `port` on its host (a proxy, a closed port, or back).
pub async fn set_imap_port(db: &DatabaseConnection, id: i64, port: u16) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
    let row = services::entities::mailbox::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut changed = row.into_active_model();
    changed.imap_port = Set(i32::from(port));
    changed.update(db).await.unwrap();
}

/// A loopback port nothing listens on (bound, then let go): "the server is unreachable".
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
