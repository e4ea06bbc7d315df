//! The people and mail of the reading authorisation matrix: a Standard workspace whose
//! owner shares a mailbox with one member and not another, and a user of another
//! workspace with a personal mailbox of their own. Both mailboxes live on the real
//! Dovecot, get their messages as exact bytes (`mail-stack deliver`) and are synced
//! before anyone signs in over HTTP.

use crate::{
    common::{Client, app_configured},
    support::{crash_fixtures::fresh_database, mail_stack, stack_env},
};
use axum::http::StatusCode;
use domain::{Access, Language, MailboxSettings, Plan, Provider, Role, Security, ServerAddress};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use services::{
    AppState,
    accounts::{self, Actor, NewMember, SignUp},
    entities::{mailbox_folder, message},
    mail::tls::MailTrust,
    mailboxes::{self, ConnectRequest},
    plan,
    sync::{SyncEngine, schedule::Outcome},
};

pub const PASSWORD: &str = "matrix password";

/// Who calls: the order the matrix asks them in (those refused first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    SignedOut,
    /// A user of another workspace.
    Outsider,
    /// A member of the owner's workspace the mailbox is not shared with.
    Stranger,
    Grantee,
    Owner,
}

pub struct World {
    pub state: AppState,
    /// The shared mailbox, its INBOX and Trash.
    pub mailbox: i64,
    pub inbox: i64,
    pub trash: i64,
    /// The outsider's own mailbox and its INBOX.
    pub own_mailbox: i64,
    pub own_inbox: i64,
    pub clients: Vec<(Who, Client)>,
}

impl World {
    pub fn client(&mut self, who: Who) -> &mut Client {
        let (_, client) = self.clients.iter_mut().find(|(w, _)| *w == who).unwrap();
        client
    }

    /// The (only) message with this subject.
    pub async fn message(&self, subject: &str) -> message::Model {
        message::Entity::find()
            .filter(message::Column::Subject.eq(subject))
            .one(&self.state.db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no message {subject:?}"))
    }
}

/// An .eml with a sender, a subject and one line of text, dated now.
pub fn eml(subject: &str, text: &str) -> Vec<u8> {
    let id = uuid::Uuid::new_v4().simple();
    format!(
        "From: Olena Koval <olena@supplier.test>\r\nTo: desk@example.test\r\n\
         Subject: {subject}\r\nDate: {}\r\nMessage-ID: <{id}@supplier.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <p>{text}</p><img src=\"https://tracker.test/{id}.gif\">\r\n",
        chrono::Utc::now().to_rfc2822()
    )
    .into_bytes()
}

/// The world on `backend` (`sqlite` or `postgres`), the shared mailbox holding `shared`
/// and the outsider's holding `own`, both in INBOX.
pub async fn world(backend: &str, shared: &[Vec<u8>], own: &[Vec<u8>]) -> World {
    let ca = std::path::PathBuf::from(&stack_env()["MAILSTACK_CA"]);
    let pg = match backend {
        "postgres" => {
            let url = fresh_database(backend, &std::env::temp_dir()).await;
            Some(services::db::connect_and_migrate(&url).await.unwrap())
        }
        _ => None,
    };
    let (app, state) = app_configured(MailTrust::new(Some(&ca)).unwrap(), |state| {
        if let Some(db) = pg {
            state.db = db;
        }
    })
    .await;
    let db = &state.db;
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let owner = admin(db, &format!("owner-{tag}@acme.test")).await;
    plan::set_plan(db, &owner, Plan::Standard).await.unwrap();
    let grantee = member(db, &owner, &format!("grantee-{tag}@acme.test")).await;
    member(db, &owner, &format!("stranger-{tag}@acme.test")).await;
    let outsider = admin(db, &format!("outsider-{tag}@other.test")).await;
    let mailbox = connected(
        &state,
        &owner,
        &format!("desk{tag}"),
        shared,
        Some(&grantee),
    )
    .await;
    let own_mailbox = connected(&state, &outsider, &format!("own{tag}"), own, None).await;
    let mut clients = vec![(Who::SignedOut, Client::new(&app))];
    for (who, name) in [
        (Who::Outsider, format!("outsider-{tag}@other.test")),
        (Who::Stranger, format!("stranger-{tag}@acme.test")),
        (Who::Grantee, format!("grantee-{tag}@acme.test")),
        (Who::Owner, format!("owner-{tag}@acme.test")),
    ] {
        let mut client = Client::new(&app);
        let (status, body) = client
            .post("log_in", &[("email", &name), ("password", PASSWORD)])
            .await;
        assert_eq!(status, StatusCode::OK, "{who:?} logs in: {body}");
        clients.push((who, client));
    }
    World {
        inbox: folder(db, mailbox, "INBOX").await,
        trash: folder(db, mailbox, "Trash").await,
        own_inbox: folder(db, own_mailbox, "INBOX").await,
        state,
        mailbox,
        own_mailbox,
        clients,
    }
}

/// A new workspace's admin.
async fn admin(db: &DatabaseConnection, email: &str) -> Actor {
    let form = SignUp {
        workspace_name: format!("Workspace of {email}"),
        name: "Admin".into(),
        email: email.into(),
        password: PASSWORD.into(),
        language: Language::En,
    };
    let id = accounts::sign_up(db, form).await.unwrap().id;
    Actor::load(db, id).await.unwrap()
}

/// A member of `admin`'s workspace.
async fn member(db: &DatabaseConnection, admin: &Actor, email: &str) -> Actor {
    let form = NewMember {
        name: email.into(),
        email: email.into(),
        password: PASSWORD.into(),
        role: Role::Member,
    };
    let id = accounts::add_member(db, admin, form).await.unwrap().id;
    Actor::load(db, id).await.unwrap()
}

/// A fresh Dovecot user `name` holding `messages`, connected by `owner` (shared with
/// `grantee`, or personal) syncing INBOX and Trash, and synced once.
pub async fn connected(
    state: &AppState,
    owner: &Actor,
    name: &str,
    messages: &[Vec<u8>],
    grantee: Option<&Actor>,
) -> i64 {
    let env = stack_env();
    let (email, password) = (format!("{name}@example.test"), format!("{name}-pass-1"));
    mail_stack(&["add-user", &email, &password]);
    let dir = std::env::temp_dir().join(format!("mc-authz-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut args = vec!["deliver".to_owned(), email.clone(), "INBOX".to_owned()];
    for (n, bytes) in messages.iter().enumerate() {
        let file = dir.join(format!("{n}.eml"));
        std::fs::write(&file, bytes).unwrap();
        args.push(file.display().to_string());
    }
    mail_stack(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let server = |port: &str| ServerAddress {
        host: env["MAILSTACK_HOST"].clone(),
        port: env[port].parse().unwrap(),
        security: Security::Tls,
    };
    let request = ConnectRequest {
        provider: Provider::OwnDomain,
        email,
        password,
        imap: Some(server("MAILSTACK_IMAPS_PORT")),
        smtp: Some(server("MAILSTACK_SMTPS_PORT")),
        smtp_username: None,
        smtp_password: None,
    };
    let draft = mailboxes::check_and_draft(state, owner, request)
        .await
        .unwrap();
    let settings = MailboxSettings {
        sender_name: name.into(),
        mailbox_name: name.into(),
        access: if grantee.is_some() {
            Access::Shared
        } else {
            Access::Personal
        },
        grantees: grantee.map(|g| g.user_id).into_iter().collect(),
        crm_mode: domain::CrmMode::Off,
        crm_create: domain::CrmCreate::default(),
        period: domain::SyncPeriod::Month,
        folders: vec!["INBOX".into(), "Trash".into()],
    };
    let id = mailboxes::connect(state, owner, &draft, settings)
        .await
        .unwrap();
    let s = state.clone();
    let engine = SyncEngine::new(s.db, s.master_key, s.mail_trust, 2);
    assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
    id
}

async fn folder(db: &DatabaseConnection, mailbox: i64, name: &str) -> i64 {
    mailbox_folder::Entity::find()
        .filter(mailbox_folder::Column::MailboxId.eq(mailbox))
        .filter(mailbox_folder::Column::Name.eq(name))
        .one(db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no folder {name} in mailbox {mailbox}"))
        .id
}
