//! Fixtures for the manual CRM link tests (`crm_links.rs`, `crm_links_card.rs`): a
//! Standard workspace whose owner shares a mailbox (CRM links manual) with one member and
//! not another, and a user of another workspace; a conversation with a client (two
//! letters in INBOX, the reply in Sent) and an unrelated letter, put on the real Dovecot
//! and synced; records made directly in the tables.

#![allow(dead_code)]

use crate::common::{
    mail_stack::Stack,
    mailbox_fixtures::{admin, member, request, settings, state},
    sync_fixtures::{engine, mail_user, other_client},
};
use domain::{Access, CrmKind, CrmMode, Plan};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use services::{
    AppState, ServiceError,
    accounts::Actor,
    crm::links,
    entities::{
        crm_company, crm_company_domain, crm_contact, crm_contact_email, crm_deal, crm_link,
        mailbox, message,
    },
    mailboxes, plan,
    sync::schedule::Outcome,
};

pub const FIRST: &str = "Quote for 40 desks";
pub const REPLY: &str = "Re: Quote for 40 desks";
pub const AGAIN: &str = "Re: Re: Quote for 40 desks";
pub const OTHER: &str = "Parking permit renewal";
/// A phrase only the first letter's text holds (to look for where it must not be).
pub const SECRET: &str = "walnut tops at 5200 hryvnias";

pub struct World {
    pub st: AppState,
    pub user: String,
    pub mailbox: i64,
    pub owner: Actor,
    pub grantee: Actor,
    /// A member the mailbox is not shared with.
    pub stranger: Actor,
    /// The admin of another workspace.
    pub outsider: Actor,
}

impl World {
    pub fn db(&self) -> &DatabaseConnection {
        &self.st.db
    }

    /// The (only) message with this subject.
    pub async fn message(&self, subject: &str) -> message::Model {
        message::Entity::find()
            .filter(message::Column::MailboxId.eq(self.mailbox))
            .filter(message::Column::Subject.eq(subject))
            .one(self.db())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no message {subject:?}"))
    }

    pub async fn set_mode(&self, mode: CrmMode) {
        mailbox::ActiveModel {
            id: Set(self.mailbox),
            crm_mode: Set(mode),
            ..Default::default()
        }
        .update(self.db())
        .await
        .unwrap();
    }

    pub async fn set_plan(&self, p: Plan) {
        plan::set_plan(self.db(), &self.owner, p).await.unwrap();
    }
}

fn eml(
    from: &str,
    subject: &str,
    id: &str,
    refs: &[&str],
    minutes_ago: i64,
    text: &str,
) -> Vec<u8> {
    let date = chrono::Utc::now() - chrono::Duration::minutes(minutes_ago);
    let threading = match refs.last() {
        Some(parent) => format!(
            "In-Reply-To: <{parent}>\r\nReferences: {}\r\n",
            refs.iter()
                .map(|r| format!("<{r}>"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        None => String::new(),
    };
    format!(
        "From: {from}\r\nTo: desk@example.test\r\nSubject: {subject}\r\nDate: {}\r\n\
         Message-ID: <{id}>\r\n{threading}MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n",
        date.to_rfc2822()
    )
    .into_bytes()
}

/// The world on `db`: mail put on the server, the mailbox connected and synced.
pub async fn world(db: &DatabaseConnection, s: &Stack, prefix: &str) -> World {
    let user = mail_user(prefix);
    let own = format!("{user}@example.test");
    let tag = &user[user.len() - 8..];
    let (q1, r2, q3) = (
        format!("q1-{tag}@supplier.test"),
        format!("r2-{tag}@example.test"),
        format!("q3-{tag}@supplier.test"),
    );
    let olena = "Olena Koval <Olena@Supplier.test>";
    let mut imap = other_client(s, &user).await;
    let letters = [
        (
            "INBOX",
            eml(
                olena,
                FIRST,
                &q1,
                &[],
                50,
                &format!("Could you quote {SECRET}?"),
            ),
        ),
        (
            "Sent",
            eml(
                &format!("Desk <{own}>"),
                REPLY,
                &r2,
                &[&q1],
                40,
                "Here is our quote.",
            ),
        ),
        (
            "INBOX",
            eml(olena, AGAIN, &q3, &[&q1, &r2], 30, "Thank you, we agree."),
        ),
        (
            "INBOX",
            eml(
                "Petro <petro@city.test>",
                OTHER,
                &format!("p-{tag}@city.test"),
                &[],
                20,
                "Renew it.",
            ),
        ),
    ];
    for (folder, bytes) in letters {
        imap.append(folder, None, None, bytes).await.unwrap();
    }
    imap.logout().await.ok();
    let st = state(db.clone(), s);
    let owner = admin(db, &format!("owner-{user}@acme.test")).await;
    plan::set_plan(db, &owner, Plan::Standard).await.unwrap();
    let grantee = member(db, &owner, &format!("grantee-{user}@acme.test")).await;
    let stranger = member(db, &owner, &format!("stranger-{user}@acme.test")).await;
    let outsider = admin(db, &format!("outsider-{user}@other.test")).await;
    let draft = mailboxes::check_and_draft(&st, &owner, request(s, &user))
        .await
        .unwrap();
    let mut chosen = settings(Access::Shared, vec![grantee.user_id]);
    chosen.crm_mode = CrmMode::Manual;
    let mailbox = mailboxes::connect(&st, &owner, &draft, chosen)
        .await
        .unwrap();
    assert_eq!(engine(&st).sync_mailbox(mailbox).await, Outcome::Synced);
    World {
        st,
        user,
        mailbox,
        owner,
        grantee,
        stranger,
        outsider,
    }
}

/// A contact of `actor`'s workspace with these addresses (lower-cased), in `company`.
pub async fn contact(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
    emails: &[&str],
    company: Option<i64>,
) -> i64 {
    let now = chrono::Utc::now();
    let c = crm_contact::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        name: Set(name.into()),
        phones: Set(String::new()),
        company_id: Set(company),
        owner_id: Set(Some(actor.user_id)),
        from_mail: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    for email in emails {
        crm_contact_email::ActiveModel {
            workspace_id: Set(actor.workspace_id),
            email: Set(email.to_lowercase()),
            contact_id: Set(c.id),
        }
        .insert(db)
        .await
        .unwrap();
    }
    c.id
}

/// A company of `actor`'s workspace with these domains.
pub async fn company(db: &DatabaseConnection, actor: &Actor, name: &str, domains: &[&str]) -> i64 {
    let now = chrono::Utc::now();
    let c = crm_company::ActiveModel {
        workspace_id: Set(actor.workspace_id),
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
    for domain in domains {
        crm_company_domain::ActiveModel {
            workspace_id: Set(actor.workspace_id),
            domain: Set(domain.to_lowercase()),
            company_id: Set(c.id),
        }
        .insert(db)
        .await
        .unwrap();
    }
    c.id
}

/// A lead or a deal of `actor`'s workspace.
pub async fn deal(db: &DatabaseConnection, actor: &Actor, kind: CrmKind, title: &str) -> i64 {
    let now = chrono::Utc::now();
    crm_deal::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        kind: Set(kind.as_str().into()),
        title: Set(title.into()),
        stage: Set(kind.stages()[0].into()),
        owner_id: Set(None),
        amount: Set(None),
        contact_id: Set(None),
        company_id: Set(None),
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

pub fn not_found<T: std::fmt::Debug>(result: Result<T, ServiceError>, what: &str) {
    assert!(
        matches!(result, Err(ServiceError::NotFound)),
        "{what}: {result:?}"
    );
}

/// (message, manual, created_by) of every link to the record.
pub async fn links_to(w: &World, kind: CrmKind, id: i64) -> Vec<(i64, bool, Option<i64>)> {
    let mut rows: Vec<_> = crm_link::Entity::find()
        .filter(crm_link::Column::RecordKind.eq(kind.as_str()))
        .filter(crm_link::Column::RecordId.eq(id))
        .all(w.db())
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.message_id, l.manual, l.created_by))
        .collect();
    rows.sort();
    rows
}

/// The titles of the records a message is linked to, as its reader sees them.
pub async fn linked_titles(w: &World, actor: &Actor, message: i64) -> Vec<String> {
    links::message_links(w.db(), actor, message)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.title)
        .collect()
}
