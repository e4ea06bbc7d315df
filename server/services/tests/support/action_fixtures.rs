//! Fixtures for the write-back tests: a shared mailbox on the real Dovecot with its
//! owner, a grantee and a stranger, a worker with short back-off, and the server's
//! view of a folder (flags and Message-IDs) read by another IMAP client.

#![allow(dead_code)]

use crate::common::{
    mail_stack::Stack,
    mailbox_fixtures::{admin, member, request, settings, state},
    sync_fixtures::{engine, mail_user, other_client, seed},
    wait::wait_until,
};
use async_imap::types::Flag;
use domain::{Access, Plan, SyncPeriod};
use futures_util::TryStreamExt;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use services::{
    AppState,
    accounts::Actor,
    entities::{message, message_action},
    mail_actions::{ActionWorker, ActionWorkerHandle, WorkerConfig},
    mailboxes, plan,
    sync::{SyncEngine, schedule::Outcome},
};
use std::{collections::BTreeMap, time::Duration};

/// A connected, shared mailbox of a fresh mail user.
pub struct Mb {
    pub st: AppState,
    pub engine: SyncEngine,
    pub user: String,
    pub id: i64,
    pub owner: Actor,
    pub grantee: Actor,
}

/// A fresh mail user with `n` messages in INBOX (and the `extra` folders created on the
/// server first), connected by a new Professional workspace's admin, shared with a
/// member, syncing `folders`.
pub async fn setup(
    db: &DatabaseConnection,
    s: &Stack,
    prefix: &str,
    n: usize,
    folders: &[&str],
    extra: &[&str],
) -> Mb {
    let user = mail_user(prefix);
    seed(&user, n, "INBOX");
    if !extra.is_empty() {
        let mut imap = other_client(s, &user).await;
        for name in extra {
            imap.create(name).await.unwrap();
        }
        imap.logout().await.ok();
    }
    let st = state(db.clone(), s);
    let owner = admin(db, &format!("owner-{user}@acme.com")).await;
    plan::set_plan(db, &owner, Plan::Professional)
        .await
        .unwrap();
    let grantee = member(db, &owner, &format!("grantee-{user}@acme.com")).await;
    let draft = mailboxes::check_and_draft(&st, &owner, request(s, &user))
        .await
        .unwrap();
    let mut chosen = settings(Access::Shared, vec![grantee.user_id]);
    chosen.folders = folders.iter().map(|f| (*f).to_owned()).collect();
    chosen.period = SyncPeriod::Month;
    let id = mailboxes::connect(&st, &owner, &draft, chosen)
        .await
        .unwrap();
    let engine = engine(&st);
    let mb = Mb {
        st,
        engine,
        user,
        id,
        owner,
        grantee,
    };
    mb.sync().await;
    mb
}

impl Mb {
    pub fn db(&self) -> &DatabaseConnection {
        &self.st.db
    }

    pub async fn sync(&self) {
        assert_eq!(self.engine.sync_mailbox(self.id).await, Outcome::Synced);
    }

    /// The write-back worker of this test, with short back-off.
    pub fn worker(&self) -> ActionWorkerHandle {
        ActionWorker::new(
            self.engine.clone(),
            self.st.sync_waker.clone(),
            self.st.action_waker.clone(),
            format!("test-{}", uuid::Uuid::new_v4().simple()),
            fast(),
        )
        .spawn()
    }

    /// The folder's rows, lowest UID first.
    pub async fn rows(&self, folder: &str) -> Vec<message::Model> {
        let f = crate::common::sync_fixtures::folder(self.db(), self.id, folder).await;
        message::Entity::find()
            .filter(message::Column::FolderId.eq(f.id))
            .order_by_asc(message::Column::Uid)
            .all(self.db())
            .await
            .unwrap()
    }

    pub async fn row(&self, id: i64) -> Option<message::Model> {
        message::Entity::find_by_id(id)
            .one(self.db())
            .await
            .unwrap()
    }

    pub async fn folder_id(&self, name: &str) -> i64 {
        crate::common::sync_fixtures::folder(self.db(), self.id, name)
            .await
            .id
    }

    /// Write-backs still waiting.
    pub async fn pending(&self) -> u64 {
        message_action::Entity::find()
            .filter(message_action::Column::MailboxId.eq(self.id))
            .filter(message_action::Column::State.eq("pending"))
            .count(self.db())
            .await
            .unwrap()
    }

    /// Waits until every write-back of the mailbox is written (or failed).
    pub async fn written(&self) {
        let done = wait_until(Duration::from_secs(60), || async {
            self.pending().await == 0
        })
        .await;
        assert!(done.is_some(), "write-backs still pending");
    }

    /// Rows of the whole mailbox with this Message-ID.
    pub async fn copies(&self, message_id: &str) -> Vec<message::Model> {
        message::Entity::find()
            .filter(message::Column::MailboxId.eq(self.id))
            .filter(message::Column::MessageId.eq(message_id))
            .all(self.db())
            .await
            .unwrap()
    }
}

pub fn fast() -> WorkerConfig {
    WorkerConfig {
        max_attempts: 3,
        first_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        poll: Duration::from_millis(200),
        concurrency: 2,
        lease: Duration::from_secs(120),
        batch_deadline: Duration::from_secs(60),
        shutdown_grace: Duration::from_secs(5),
    }
}

/// A message as the server has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnServer {
    pub message_id: Option<String>,
    pub seen: bool,
    pub flagged: bool,
}

/// uid → message, as another client sees the folder (Message-ID from the ENVELOPE,
/// without its angle brackets, as the app keeps it).
pub async fn on_server(s: &Stack, user: &str, folder: &str) -> BTreeMap<i64, OnServer> {
    let mut imap = other_client(s, user).await;
    imap.examine(folder).await.unwrap();
    let mut seen = BTreeMap::new();
    {
        let mut answers = imap.uid_fetch("1:*", "(UID FLAGS ENVELOPE)").await.unwrap();
        while let Some(f) = answers.try_next().await.unwrap() {
            let message_id = f
                .envelope()
                .and_then(|e| e.message_id.as_deref())
                .map(|id| {
                    String::from_utf8_lossy(id)
                        .trim_matches(['<', '>'])
                        .to_owned()
                });
            let flags: Vec<Flag> = f.flags().collect();
            seen.insert(
                i64::from(f.uid.unwrap()),
                OnServer {
                    message_id,
                    seen: flags.contains(&Flag::Seen),
                    flagged: flags.contains(&Flag::Flagged),
                },
            );
        }
    }
    imap.logout().await.ok();
    seen
}

/// The server's UID of the message with this Message-ID in the folder, if there.
pub async fn uid_on_server(s: &Stack, user: &str, folder: &str, message_id: &str) -> Option<i64> {
    on_server(s, user, folder)
        .await
        .into_iter()
        .find(|(_, m)| m.message_id.as_deref() == Some(message_id))
        .map(|(uid, _)| uid)
}

/// Another client creates or deletes a folder.
pub async fn server_folder(s: &Stack, user: &str, name: &str, create: bool) {
    let mut imap = other_client(s, user).await;
    if create {
        imap.create(name).await.unwrap();
    } else {
        imap.delete(name).await.unwrap();
    }
    imap.logout().await.ok();
}
