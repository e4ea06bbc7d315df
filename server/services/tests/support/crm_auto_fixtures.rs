//! Fixtures for the automatic CRM links against the real Dovecot: a mailbox of a
//! Standard workspace (INBOX and Sent), mail saved into it from the `.eml` files of
//! `tests/fixtures/crm` or written here, CRM records made directly in the tables, and
//! what the tables hold afterwards (records made from mail, a message's links).

#![allow(dead_code)]

use crate::common::{
    mail_stack::Stack,
    mailbox_fixtures::{request, settings},
    sync_fixtures::{connected, engine, mail_stack, owner_of},
};
use domain::{Access, CrmCreate, CrmKind, CrmMode, Plan, PlannedRecord, SyncPeriod};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use services::{
    AppState,
    accounts::Actor,
    entities::{
        crm_company, crm_company_domain, crm_contact, crm_contact_email, crm_deal, crm_link,
        message,
    },
    mailboxes, plan,
    sync::{SyncEngine, schedule::Outcome},
};
use std::{collections::BTreeSet, path::PathBuf};

/// Every creation rule on.
pub const ALL: CrmCreate = CrmCreate {
    leads_from_incoming: true,
    contacts_from_incoming: true,
    leads_from_outgoing: true,
    contacts_from_outgoing: true,
};

pub const NONE: CrmCreate = CrmCreate {
    leads_from_incoming: false,
    contacts_from_incoming: false,
    leads_from_outgoing: false,
    contacts_from_outgoing: false,
};

/// A connected mailbox on a Standard plan.
pub struct Crm {
    pub st: AppState,
    pub engine: SyncEngine,
    pub user: String,
    pub id: i64,
    pub owner: Actor,
}

impl Crm {
    /// `user`'s mailbox (INBOX, Sent) for a new Standard workspace, in `mode` with `create`.
    pub async fn connect(
        st: &AppState,
        s: &Stack,
        user: &str,
        mode: CrmMode,
        create: CrmCreate,
    ) -> Crm {
        let id = connected(st, s, user, &["INBOX", "Sent"]).await;
        let owner = owner_of(&st.db, id).await;
        plan::set_plan(&st.db, &owner, Plan::Standard)
            .await
            .unwrap();
        let crm = Crm {
            st: st.clone(),
            engine: engine(st),
            user: user.to_owned(),
            id,
            owner,
        };
        crm.set(mode, create, true).await;
        crm
    }

    /// Another mail user's mailbox, connected by the same owner (same workspace).
    pub async fn also(&self, s: &Stack, user: &str) -> i64 {
        let draft = mailboxes::check_and_draft(&self.st, &self.owner, request(s, user))
            .await
            .unwrap();
        let mut chosen = settings(Access::Personal, vec![]);
        chosen.folders = vec!["INBOX".into(), "Sent".into()];
        chosen.period = SyncPeriod::Month;
        chosen.crm_mode = CrmMode::Automatic;
        chosen.crm_create = ALL;
        mailboxes::connect(&self.st, &self.owner, &draft, chosen)
            .await
            .unwrap()
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.st.db
    }

    pub fn workspace(&self) -> i64 {
        self.owner.workspace_id
    }

    pub fn address(&self) -> String {
        format!("{}@example.test", self.user)
    }

    /// CRM links as the Settings page saves them, answering "Apply to mail already
    /// synced?" with `apply`.
    pub async fn set(&self, mode: CrmMode, create: CrmCreate, apply: bool) {
        let mut chosen = mailboxes::details(self.db(), &self.owner, self.id)
            .await
            .unwrap()
            .settings;
        chosen.crm_mode = mode;
        chosen.crm_create = create;
        mailboxes::update_settings_applying(&self.st, &self.owner, self.id, chosen, apply)
            .await
            .unwrap();
    }

    pub async fn sync(&self) {
        assert_eq!(self.engine.sync_mailbox(self.id).await, Outcome::Synced);
    }

    /// Saves a fixture of `tests/fixtures/crm` into `folder` (see [`deliver_file`]).
    pub fn deliver(&self, folder: &str, file: &str, vars: &[(&str, &str)]) {
        deliver_file(&self.user, folder, file, vars);
    }

    /// Saves a message into `folder` as a delivery would.
    pub fn deliver_raw(&self, folder: &str, raw: &str) {
        deliver_to(&self.user, folder, raw);
    }

    /// The row of the message with this subject in this mailbox.
    pub async fn row(&self, subject: &str) -> message::Model {
        message::Entity::find()
            .filter(message::Column::MailboxId.eq(self.id))
            .filter(message::Column::Subject.eq(subject))
            .one(self.db())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no message {subject:?}"))
    }

    /// The automatic links of the message with this subject.
    pub async fn links(&self, subject: &str) -> BTreeSet<(CrmKind, i64)> {
        let row = self.row(subject).await;
        links_of(self.db(), row.id).await
    }

    /// Records made from mail in the workspace, as the preview lists them.
    pub async fn made(&self) -> Vec<PlannedRecord> {
        made(self.db(), self.workspace()).await
    }
}

/// Saves a fixture of `tests/fixtures/crm` into `user`'s `folder`, READER being the
/// mailbox's address and each (placeholder, value) of `vars` replaced.
pub fn deliver_file(user: &str, folder: &str, file: &str, vars: &[(&str, &str)]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/crm")
        .join(file);
    let mut text = std::fs::read_to_string(path)
        .unwrap()
        .replace("READER", &format!("{user}@example.test"));
    for (k, v) in vars {
        text = text.replace(k, v);
    }
    deliver_to(user, folder, &text);
}

/// Saves a message into `user`'s `folder` as a delivery would.
pub fn deliver_to(user: &str, folder: &str, raw: &str) {
    let path = std::env::temp_dir().join(format!("crm-{}.eml", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, raw).unwrap();
    mail_stack(&[
        "deliver",
        &format!("{user}@example.test"),
        folder,
        path.to_str().unwrap(),
    ]);
    std::fs::remove_file(path).unwrap();
}

/// A plain message with a fresh Message-ID.
pub fn plain(from: &str, to: &str, subject: &str) -> String {
    format!(
        "From: {from}\nTo: {to}\nSubject: {subject}\nDate: {}\nMessage-ID: <{}@crm.test>\n\
         MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nHello.\n",
        chrono::Utc::now().to_rfc2822(),
        uuid::Uuid::new_v4().simple()
    )
}

pub async fn links_of(db: &DatabaseConnection, message_id: i64) -> BTreeSet<(CrmKind, i64)> {
    crm_link::Entity::find()
        .filter(crm_link::Column::MessageId.eq(message_id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|l| {
            assert!(!l.manual, "automatic links are not manual");
            (l.record_kind.parse().unwrap(), l.record_id)
        })
        .collect()
}

/// Companies and contacts made from mail, and leads made from an address.
pub async fn made(db: &DatabaseConnection, ws: i64) -> Vec<PlannedRecord> {
    let mut out = Vec::new();
    for d in crm_company_domain::Entity::find()
        .filter(crm_company_domain::Column::WorkspaceId.eq(ws))
        .all(db)
        .await
        .unwrap()
    {
        let c = crm_company::Entity::find_by_id(d.company_id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        if c.from_mail {
            out.push(record(CrmKind::Company, &d.domain, &c.name));
        }
    }
    for e in crm_contact_email::Entity::find()
        .filter(crm_contact_email::Column::WorkspaceId.eq(ws))
        .all(db)
        .await
        .unwrap()
    {
        let c = crm_contact::Entity::find_by_id(e.contact_id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        if c.from_mail {
            out.push(record(CrmKind::Contact, &e.email, &c.name));
        }
    }
    for d in crm_deal::Entity::find()
        .filter(crm_deal::Column::WorkspaceId.eq(ws))
        .all(db)
        .await
        .unwrap()
    {
        if let Some(from) = d.from_address {
            out.push(record(CrmKind::Lead, &from, &d.title));
        }
    }
    out.sort();
    out
}

pub fn record(kind: CrmKind, email: &str, name: &str) -> PlannedRecord {
    PlannedRecord {
        kind,
        email: email.into(),
        name: name.into(),
    }
}

/// Counts of (contacts, companies, leads and deals) in the workspace.
pub async fn counts(db: &DatabaseConnection, ws: i64) -> (usize, usize, usize) {
    let contacts = crm_contact::Entity::find()
        .filter(crm_contact::Column::WorkspaceId.eq(ws))
        .all(db)
        .await
        .unwrap()
        .len();
    let companies = crm_company::Entity::find()
        .filter(crm_company::Column::WorkspaceId.eq(ws))
        .all(db)
        .await
        .unwrap()
        .len();
    let deals = crm_deal::Entity::find()
        .filter(crm_deal::Column::WorkspaceId.eq(ws))
        .all(db)
        .await
        .unwrap()
        .len();
    (contacts, companies, deals)
}

/// A company made by hand, with its domain.
pub async fn company(db: &DatabaseConnection, ws: i64, name: &str, domain: &str) -> i64 {
    let now = chrono::Utc::now();
    let c = crm_company::ActiveModel {
        workspace_id: Set(ws),
        name: Set(name.into()),
        owner_id: Set(None),
        from_mail: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    crm_company_domain::ActiveModel {
        workspace_id: Set(ws),
        domain: Set(domain.into()),
        company_id: Set(c.id),
    }
    .insert(db)
    .await
    .unwrap();
    c.id
}

/// A contact made by hand, with its address.
pub async fn contact(
    db: &DatabaseConnection,
    ws: i64,
    name: &str,
    email: &str,
    company: Option<i64>,
) -> i64 {
    let now = chrono::Utc::now();
    let c = crm_contact::ActiveModel {
        workspace_id: Set(ws),
        name: Set(name.into()),
        phones: Set(String::new()),
        company_id: Set(company),
        owner_id: Set(None),
        from_mail: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    crm_contact_email::ActiveModel {
        workspace_id: Set(ws),
        email: Set(email.into()),
        contact_id: Set(c.id),
    }
    .insert(db)
    .await
    .unwrap();
    c.id
}

/// A lead or deal made by hand.
pub async fn deal(
    db: &DatabaseConnection,
    ws: i64,
    kind: CrmKind,
    title: &str,
    contact: Option<i64>,
    company: Option<i64>,
) -> i64 {
    let now = chrono::Utc::now();
    crm_deal::ActiveModel {
        workspace_id: Set(ws),
        kind: Set(kind.as_str().into()),
        title: Set(title.into()),
        stage: Set(kind.stages()[0].into()),
        owner_id: Set(None),
        amount: Set(None),
        contact_id: Set(contact),
        company_id: Set(company),
        from_address: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}
