//! Shared by the CRM records tests: fields of each kind, a list's titles, a member, the
//! refusals of a save, and a stored message to link records to.

#![allow(dead_code)]

use domain::{CompanyFields, ContactFields, CrmKind, DealFields, RecordQuery, Role};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};
use services::{
    ServiceError,
    accounts::{self, Actor, NewMember},
    crm::records::{self, SaveError},
    entities::{
        mailbox, mailbox_folder,
        message::{self, People},
    },
    sync::store::BodyState,
};

pub fn contact(name: &str, emails: &[&str]) -> ContactFields {
    ContactFields {
        name: name.into(),
        emails: emails.iter().map(|e| (*e).to_owned()).collect(),
        ..Default::default()
    }
}

pub fn company(name: &str, domains: &[&str]) -> CompanyFields {
    CompanyFields {
        name: name.into(),
        domains: domains.iter().map(|d| (*d).to_owned()).collect(),
        owner_id: None,
    }
}

pub fn deal(title: &str) -> DealFields {
    DealFields {
        title: title.into(),
        ..Default::default()
    }
}

pub fn search(text: &str) -> RecordQuery {
    RecordQuery {
        search: text.into(),
        ..Default::default()
    }
}

pub async fn titles(
    db: &DatabaseConnection,
    actor: &Actor,
    kind: CrmKind,
    q: RecordQuery,
) -> Vec<String> {
    records::list_records(db, actor, kind, &q)
        .await
        .unwrap()
        .records
        .into_iter()
        .map(|r| r.title)
        .collect()
}

pub async fn member(db: &DatabaseConnection, admin: &Actor, email: &str) -> Actor {
    let m = accounts::add_member(
        db,
        admin,
        NewMember {
            name: "Taras".into(),
            email: email.into(),
            password: "member password".into(),
            role: Role::Member,
        },
    )
    .await
    .unwrap();
    Actor::load(db, m.id).await.unwrap()
}

pub fn invalid<T: std::fmt::Debug>(r: Result<T, SaveError>) -> (&'static str, &'static str) {
    match r {
        Err(SaveError::Service(ServiceError::Invalid { field, reason })) => (field, reason),
        other => panic!("not Invalid: {other:?}"),
    }
}

pub fn taken<T: std::fmt::Debug>(r: Result<T, SaveError>) -> (&'static str, String) {
    match r {
        Err(SaveError::Taken { field, value }) => (field, value),
        other => panic!("not Taken: {other:?}"),
    }
}

/// A message as sync stores it, in a mailbox row of the actor's (no server needed: links
/// only need a message to point at).
pub async fn stored_message(db: &DatabaseConnection, actor: &Actor) -> i64 {
    use domain::{Access, AuthMethod, CrmMode, MailboxStatus, Provider, Security, SyncPeriod};
    let mailbox = mailbox::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        owner_id: Set(actor.user_id),
        provider: Set(Provider::OwnDomain),
        email: Set("me@acme.example".into()),
        mailbox_name: Set("Me".into()),
        sender_name: Set("Me".into()),
        imap_host: Set("imap.acme.example".into()),
        imap_port: Set(993),
        imap_security: Set(Security::Tls),
        smtp_host: Set("smtp.acme.example".into()),
        smtp_port: Set(465),
        smtp_security: Set(Security::Tls),
        imap_username: Set("me".into()),
        imap_secret: Set(String::new()),
        smtp_username: Set("me".into()),
        smtp_secret: Set(String::new()),
        access: Set(Access::Personal),
        crm_mode: Set(CrmMode::Off),
        crm_create: Set(Default::default()),
        period: Set(SyncPeriod::Month),
        status: Set(MailboxStatus::Ready),
        created_at: Set(chrono::Utc::now()),
        sync_failures: Set(0),
        signature: Set(String::new()),
        auth: Set(AuthMethod::Password),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let folder = mailbox_folder::ActiveModel {
        mailbox_id: Set(mailbox.id),
        name: Set("INBOX".into()),
        display_name: Set("INBOX".into()),
        depth: Set(0),
        selected: Set(true),
        in_range: Set(0),
        headers_done: Set(0),
        bodies_done: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    message::ActiveModel {
        mailbox_id: Set(mailbox.id),
        folder_id: Set(folder.id),
        uidvalidity: Set(1),
        uid: Set(1),
        message_id: Set(Some("roof@acme.example".into())),
        thread_id: Set("roof".into()),
        in_reply_to: Set(None),
        references: Set(String::new()),
        subject: Set("Roof repair".into()),
        from_name: Set("Olena".into()),
        from_address: Set("olena@acme.example".into()),
        to_list: Set(People::default()),
        cc_list: Set(People::default()),
        reply_to: Set(People::default()),
        sent_at: Set(None),
        received_at: Set(chrono::Utc::now()),
        size: Set(1000),
        seen: Set(false),
        flagged: Set(false),
        answered: Set(false),
        draft: Set(false),
        body_state: Set(BodyState::Stored),
        text_body: Set(Some("About the roof.".into())),
        html_body: Set(None),
        snippet: Set("About the roof.".into()),
        attachments: Set(Default::default()),
        body_bytes: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}
