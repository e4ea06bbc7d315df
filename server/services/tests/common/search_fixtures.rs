//! Fixtures for the search tests: a workspace with its owner's own mailbox, a mailbox the
//! owner shares with a colleague, a stranger from another workspace with a mailbox of
//! their own (all connected to the real mail stack), and messages written straight into
//! `messages` the way sync writes them.

#![allow(dead_code)]

use crate::common::{
    TestDb,
    mail_stack::{Stack, stack},
    mailbox_fixtures::{admin, connect, member, state},
    sync_fixtures::folder,
};
use chrono::{DateTime, Duration, Utc};
use domain::{Access, MailScope, Plan};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use services::{
    AppState, ServiceError,
    accounts::Actor,
    entities::message::{self, People},
    mail_view::search::search_messages,
    plan,
    sync::{parse::Person, store::BodyState},
};
use std::sync::atomic::{AtomicI64, Ordering};

pub struct World {
    pub st: AppState,
    /// `sqlite` or `postgres`, for failure messages.
    pub backend: &'static str,
    /// Where the database is (a test's own connection: `common::own_connection`).
    pub url: String,
    pub owner: Actor,
    pub grantee: Actor,
    pub stranger: Actor,
    /// The owner's personal mailbox and its INBOX and Sent.
    pub own: i64,
    pub inbox: i64,
    pub sent: i64,
    /// The owner's mailbox shared with `grantee`, and its INBOX.
    pub shared: i64,
    pub shared_inbox: i64,
    /// The stranger's own mailbox's INBOX.
    pub strangers: i64,
    pub strangers_inbox: i64,
}

/// Runs `check` on a fresh world on SQLite, then on PostgreSQL.
pub async fn each_world(check: impl AsyncFn(World)) {
    let s = stack();
    for t in crate::common::databases().await {
        check(world(&t, &s).await).await;
    }
}

pub async fn world(t: &TestDb, s: &Stack) -> World {
    let st = state(t.db.clone(), s);
    let db = &st.db;
    let owner = admin(db, "owner@acme.test").await;
    plan::set_plan(db, &owner, Plan::Standard).await.unwrap();
    let grantee = member(db, &owner, "grantee@acme.test").await;
    let stranger = admin(db, "stranger@other.test").await;
    let own = connect(&st, s, &owner, "alice", Access::Personal, vec![])
        .await
        .unwrap();
    let shared = connect(&st, s, &owner, "bob", Access::Shared, vec![grantee.user_id])
        .await
        .unwrap();
    let strangers = connect(&st, s, &stranger, "demo", Access::Personal, vec![])
        .await
        .unwrap();
    World {
        inbox: folder(db, own, "INBOX").await.id,
        sent: folder(db, own, "Sent").await.id,
        shared_inbox: folder(db, shared, "INBOX").await.id,
        strangers_inbox: folder(db, strangers, "INBOX").await.id,
        st,
        backend: t.backend,
        url: t.url.clone(),
        owner,
        grantee,
        stranger,
        own,
        shared,
        strangers,
    }
}

/// One message as sync stores it. `at` is minutes after a fixed start: larger is newer.
#[derive(Clone, Default)]
pub struct Mail {
    pub subject: &'static str,
    pub from: (&'static str, &'static str),
    pub to: Vec<(&'static str, &'static str)>,
    pub cc: Vec<(&'static str, &'static str)>,
    pub text: Option<&'static str>,
    pub html: Option<&'static str>,
    pub at: i64,
}

impl Mail {
    /// A message whose subject is `subject` and nothing else to find.
    pub fn titled(subject: &'static str, at: i64) -> Mail {
        Mail {
            subject,
            from: ("", "sender@example.test"),
            at,
            ..Mail::default()
        }
    }
}

fn people(list: &[(&str, &str)]) -> People {
    People(
        list.iter()
            .map(|(name, address)| Person {
                name: (*name).to_owned(),
                address: (*address).to_owned(),
            })
            .collect(),
    )
}

pub fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_780_000_000, 0).unwrap()
}

static UID: AtomicI64 = AtomicI64::new(1);

/// The row sync would write for `mail` in `folder` of `mailbox`, not yet inserted.
pub fn row(mailbox: i64, folder: i64, mail: &Mail) -> message::ActiveModel {
    let uid = UID.fetch_add(1, Ordering::Relaxed);
    message::ActiveModel {
        mailbox_id: Set(mailbox),
        folder_id: Set(folder),
        uidvalidity: Set(1),
        uid: Set(uid),
        message_id: Set(Some(format!("m{uid}@example.test"))),
        thread_id: Set(format!("t{uid}")),
        in_reply_to: Set(None),
        references: Set(String::new()),
        subject: Set(mail.subject.to_owned()),
        from_name: Set(mail.from.0.to_owned()),
        from_address: Set(mail.from.1.to_owned()),
        to_list: Set(people(&mail.to)),
        cc_list: Set(people(&mail.cc)),
        reply_to: Set(People::default()),
        sent_at: Set(None),
        received_at: Set(start() + Duration::minutes(mail.at)),
        size: Set(1000),
        seen: Set(false),
        flagged: Set(false),
        answered: Set(false),
        draft: Set(false),
        body_state: Set(BodyState::Stored),
        text_body: Set(mail.text.map(str::to_owned)),
        html_body: Set(mail.html.map(str::to_owned)),
        snippet: Set(mail.text.unwrap_or_default().chars().take(100).collect()),
        attachments: Set(Default::default()),
        body_bytes: Set(0),
        ..Default::default()
    }
}

/// Stores `mail` in `folder` of `mailbox`; its message id.
pub async fn put(db: &DatabaseConnection, mailbox: i64, folder: i64, mail: Mail) -> i64 {
    row(mailbox, folder, &mail).insert(db).await.unwrap().id
}

/// A folder of a mailbox, as a search scope.
pub fn in_folder(mailbox: i64, folder: i64) -> MailScope {
    MailScope::Folder { mailbox, folder }
}

/// The ids found, newest first.
pub async fn found(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: MailScope,
    query: &str,
) -> Result<Vec<i64>, ServiceError> {
    let results = search_messages(db, actor, scope, query).await?;
    assert_eq!(results.scope, scope);
    assert_eq!(results.query, query.trim());
    Ok(results.messages.iter().map(|m| m.id).collect())
}

/// Like [`found`], for a query that must succeed.
pub async fn ids(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: MailScope,
    query: &str,
) -> Vec<i64> {
    found(db, actor, scope, query)
        .await
        .unwrap_or_else(|e| panic!("{query:?}: {e:?}"))
}

impl World {
    pub fn db(&self) -> &DatabaseConnection {
        &self.st.db
    }

    /// Stores a message whose subject is all there is to find; its id.
    pub async fn titled(&self, mailbox: i64, folder: i64, subject: &'static str, at: i64) -> i64 {
        put(self.db(), mailbox, folder, Mail::titled(subject, at)).await
    }

    /// Asserts what each query finds in `scope` (ids, newest first).
    pub async fn expect(&self, actor: &Actor, scope: MailScope, cases: &[(&str, &[i64])]) {
        for (query, want) in cases {
            let got = ids(self.db(), actor, scope, query).await;
            assert_eq!(&got, want, "{}: {query:?} in {scope:?}", self.backend);
        }
    }

    /// The error a search that must fail returns.
    pub async fn refused(&self, actor: &Actor, scope: MailScope, query: &str) -> ServiceError {
        match found(self.db(), actor, scope, query).await {
            Ok(ids) => panic!("{}: {query:?} in {scope:?} found {ids:?}", self.backend),
            Err(e) => e,
        }
    }

    /// Three messages in the owner's INBOX to find by every field: an invoice in
    /// Ukrainian (oldest), a report in English, a lunch invitation (newest).
    pub async fn correspondence(&self) -> [i64; 3] {
        type Person = (&'static str, &'static str);
        let mails: [(&str, Person, Person, Vec<Person>, &str); 3] = [
            (
                "Рахунок №17",
                ("Олена Петренко", "olena@shop.ua"),
                ("Anna Kowalska", "anna@acme.com"),
                vec![("Bohdan", "bohdan@acme.com")],
                "Оплатіть до пʼятниці, будь ласка.",
            ),
            (
                "Invoice-2026 attached",
                ("Mark Twain", "mark@books.test"),
                ("Dmytro", "dmytro@zelen.ua"),
                vec![],
                "Quarterly numbers inside.",
            ),
            (
                "Lunch",
                ("Zoe", "zoe@cafe.test"),
                ("", "anna@acme.com"),
                vec![],
                "Pizza on Friday?",
            ),
        ];
        let mut ids = [0; 3];
        for (at, (subject, from, to, cc, text)) in mails.into_iter().enumerate() {
            let mail = Mail {
                subject,
                from,
                to: vec![to],
                cc,
                text: Some(text),
                at: at as i64 + 1,
                ..Mail::default()
            };
            ids[at] = put(self.db(), self.own, self.inbox, mail).await;
        }
        ids
    }
}
