//! Fixtures for the sending tests against the real Postfix + Dovecot: a fresh mail user
//! connected as a mailbox of a new workspace's admin (user A) and shared with a member
//! (user B); its SMTP straight to Postfix, to the 1 MiB port, or through an
//! [`SmtpCutProxy`]; a send worker with short delays on the same `AppState` whose
//! `send_waker` the service wakes; fresh recipients; and what another IMAP client sees
//! (raw messages and flags) in a folder.
//!
//! Every test gets its own sender and recipients (`mail_user`), so tests running in
//! parallel, on both databases and run after run, never see each other's mail: a
//! recipient's INBOX holds exactly what its test sent.

#![allow(dead_code)]

use crate::common::{
    mail_stack::Stack,
    mailbox_fixtures::{admin, member, request, settings, state},
    smtp_cut_proxy::{SmtpCut, SmtpCutProxy},
    sync_fixtures::{engine, mail_stack, mail_user, other_client},
    wait::wait_for,
};
use bytes::Bytes;
use domain::{
    Access, ComposeAttachment, ComposeFields, ComposeView, Plan, Security, SendState,
    ServerAddress, SyncPeriod,
};
use futures_util::TryStreamExt;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use services::{
    AppState,
    accounts::Actor,
    entities::{draft, message},
    mailboxes, plan,
    sending::{self, DraftStart, SendConfig, SendWorker, SendWorkerHandle},
    sync::{SyncEngine, schedule::Outcome},
};
use std::{cell::RefCell, collections::HashMap, future::Future, path::PathBuf, time::Duration};

/// The sender name of every test mailbox: non-ASCII, so From needs RFC 2047.
pub const SENDER_NAME: &str = "Олена Коваль";

/// How long a message may take from Send to a folder of the recipient.
pub const DELIVERY: Duration = Duration::from_secs(30);

/// How often a wait looks again (each look may be an IMAP login and fetch).
const LOOK_EVERY: Duration = Duration::from_millis(50);

/// Where the test mailbox's SMTP points.
pub enum Smtp {
    /// Postfix's SMTPS port.
    Direct,
    /// Postfix's SMTPS port with `message_size_limit = 1048576`.
    Small,
    /// An [`SmtpCutProxy`] in front of Postfix's SMTPS port, in this mode once connected
    /// (the connect check itself goes through in `Pass`).
    Proxy(SmtpCut),
}

/// A connected mailbox to send from.
pub struct Sender {
    pub st: AppState,
    pub engine: SyncEngine,
    /// The mail user's local part (`<user>@example.test`, password `<user>-pass-1`).
    pub user: String,
    pub id: i64,
    /// User A: connected the mailbox.
    pub owner: Actor,
    /// User B: the mailbox is shared with them.
    pub grantee: Actor,
    pub proxy: Option<SmtpCutProxy>,
}

/// The port of the stack's 1 MiB SMTPS service (`MAILSTACK_SMTPS_SMALL_PORT`).
pub fn small_port() -> u16 {
    let var = "MAILSTACK_SMTPS_SMALL_PORT";
    std::env::var(var)
        .ok()
        .or_else(|| {
            std::fs::read_to_string(stack_dir().join("env"))
                .ok()?
                .lines()
                .find_map(|l| l.strip_prefix("MAILSTACK_SMTPS_SMALL_PORT="))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("{var} missing: restart scripts/mail-stack/mail-stack"))
        .parse()
        .unwrap()
}

fn stack_dir() -> PathBuf {
    std::env::var("MAILSTACK_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/mail-stack")
        })
}

/// A fresh mail user `<prefix><random>` connected by a new Professional workspace's admin,
/// shared with a member, syncing INBOX and Sent, synced once.
pub async fn sender(db: &DatabaseConnection, s: &Stack, prefix: &str, smtp: Smtp) -> Sender {
    let user = mail_user(prefix);
    let st = state(db.clone(), s);
    let owner = admin(db, &format!("a-{user}@acme.com")).await;
    plan::set_plan(db, &owner, Plan::Professional)
        .await
        .unwrap();
    let grantee = member(db, &owner, &format!("b-{user}@acme.com")).await;
    let (proxy, after) = match smtp {
        Smtp::Proxy(mode) => {
            // The stack's TLS files sit beside its CA.
            let tls = s.ca.parent().unwrap().to_owned();
            let proxy = SmtpCutProxy::start(&tls, s.smtps, SmtpCut::Pass).await;
            (Some(proxy), Some(mode))
        }
        _ => (None, None),
    };
    let port = match (&smtp, &proxy) {
        (_, Some(p)) => p.port(),
        (Smtp::Small, _) => small_port(),
        _ => s.smtps,
    };
    let mut req = request(s, &user);
    req.smtp = Some(ServerAddress {
        host: s.host.clone(),
        port,
        security: Security::Tls,
    });
    let checked = mailboxes::check_and_draft(&st, &owner, req).await.unwrap();
    let mut chosen = settings(Access::Shared, vec![grantee.user_id]);
    chosen.sender_name = SENDER_NAME.into();
    chosen.folders = vec!["INBOX".into(), "Sent".into()];
    chosen.period = SyncPeriod::Month;
    let id = mailboxes::connect(&st, &owner, &checked, chosen)
        .await
        .unwrap();
    // No undo-send delay unless a test sets one: sends go out at once.
    for actor in [&owner, &grantee] {
        sending::set_undo_seconds(&st, actor, 0).await.unwrap();
    }
    if let (Some(p), Some(mode)) = (&proxy, after) {
        p.set_mode(mode);
    }
    let engine = engine(&st);
    let sender = Sender {
        st,
        engine,
        user,
        id,
        owner,
        grantee,
        proxy,
    };
    sender.sync().await;
    sender
}

/// A fresh recipient `<prefix><random>@example.test`; its local part.
pub fn recipient(prefix: &str) -> String {
    mail_user(prefix)
}

pub fn email(user: &str) -> String {
    format!("{user}@example.test")
}

/// Short delays: retries after 1 s, 2 s, 4 s (long enough to see a draft waiting for its
/// retry), a look at the database every 200 ms.
pub fn fast() -> SendConfig {
    SendConfig {
        max_attempts: 4,
        first_delay: Duration::from_secs(1),
        poll: Duration::from_millis(200),
        concurrency: 2,
        lease: Duration::from_secs(120),
        command_limit: Duration::from_secs(10),
        message_limit: Duration::from_secs(30),
        shutdown_grace: Duration::from_secs(5),
        ..SendConfig::default()
    }
}

impl Sender {
    pub fn db(&self) -> &DatabaseConnection {
        &self.st.db
    }

    pub fn email(&self) -> String {
        email(&self.user)
    }

    pub fn proxy(&self) -> &SmtpCutProxy {
        self.proxy.as_ref().expect("this sender has no proxy")
    }

    pub async fn sync(&self) {
        assert_eq!(self.engine.sync_mailbox(self.id).await, Outcome::Synced);
    }

    /// A send worker on this state's `send_waker`, named uniquely (a new process).
    pub fn worker(&self) -> SendWorkerHandle {
        self.worker_with(fast())
    }

    /// As [`Sender::worker`], with `config`.
    pub fn worker_with(&self, config: SendConfig) -> SendWorkerHandle {
        SendWorker::new(
            self.engine.clone(),
            self.st.send_waker.clone(),
            format!("test-{}", uuid::Uuid::new_v4().simple()),
            config,
        )
        .spawn()
    }

    pub fn fields(&self, to: &str, subject: &str, body: &str) -> ComposeFields {
        ComposeFields {
            mailbox_id: self.id,
            to: to.into(),
            subject: subject.into(),
            body: body.into(),
            ..ComposeFields::default()
        }
    }

    /// A new draft from this mailbox holding `fields`.
    pub async fn draft(&self, actor: &Actor, fields: &ComposeFields) -> i64 {
        let id = sending::start_draft(
            &self.st,
            actor,
            DraftStart::New {
                mailbox_id: Some(self.id),
            },
        )
        .await
        .unwrap();
        sending::save_draft(&self.st, actor, id, fields, None)
            .await
            .unwrap();
        id
    }

    /// Queues the draft (the user's undo-send delay applies).
    pub async fn send(&self, actor: &Actor, id: i64, fields: &ComposeFields) -> ComposeView {
        sending::send_draft(&self.st, actor, id, fields)
            .await
            .unwrap()
    }

    /// A new draft from user A, queued; its id.
    pub async fn send_new(&self, to: &str, subject: &str, body: &str) -> i64 {
        let fields = self.fields(to, subject, body);
        let id = self.draft(&self.owner, &fields).await;
        self.send(&self.owner, id, &fields).await;
        id
    }

    pub async fn attach(
        &self,
        actor: &Actor,
        draft_id: i64,
        name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> ComposeAttachment {
        // Several chunks, as an upload arrives.
        let chunks: Vec<Result<Bytes, std::io::Error>> = bytes
            .chunks(64 * 1024)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        sending::add_attachment(
            &self.st,
            actor,
            draft_id,
            name,
            content_type,
            futures_util::stream::iter(chunks),
        )
        .await
        .unwrap()
    }

    pub async fn view(&self, actor: &Actor, id: i64) -> ComposeView {
        sending::compose_view(&self.st, actor, id).await.unwrap()
    }

    /// The draft's one Message-ID (without `<>`).
    pub async fn message_id(&self, draft_id: i64) -> String {
        draft::Entity::find_by_id(draft_id)
            .one(self.db())
            .await
            .unwrap()
            .unwrap()
            .message_id
    }

    /// The app's rows of the whole mailbox with this Message-ID.
    pub async fn rows(&self, message_id: &str) -> Vec<message::Model> {
        message::Entity::find()
            .filter(message::Column::MailboxId.eq(self.id))
            .filter(message::Column::MessageId.eq(message_id))
            .all(self.db())
            .await
            .unwrap()
    }

    /// Saves `raw` into this mailbox's INBOX on the server (as a delivery would) and
    /// syncs; the app's row of it.
    pub async fn receive(&self, s: &Stack, raw: &str, message_id: &str) -> message::Model {
        append(s, &self.user, "INBOX", raw.as_bytes(), None).await;
        self.sync().await;
        let rows = self.rows(message_id).await;
        assert_eq!(rows.len(), 1, "one row of {message_id}");
        rows.into_iter().next().unwrap()
    }
}

/// The draft's row as the send worker sees it.
pub async fn draft_row(snd: &Sender, id: i64) -> draft::Model {
    draft::Entity::find_by_id(id)
        .one(snd.db())
        .await
        .unwrap()
        .unwrap()
}

/// A unique token for subjects and Message-IDs.
pub fn token() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_owned()
}

#[path = "send_imap.rs"]
mod imap;
#[path = "send_waits.rs"]
mod waits;
pub use imap::*;
pub use waits::*;

/// A plain RFC 5322 message (CRLF line ends).
pub fn message(
    from: &str,
    to: &str,
    subject: &str,
    message_id: &str,
    extra: &str,
    body: &str,
) -> String {
    let mut m = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {}\r\nMessage-ID: <{message_id}>\r\n",
        chrono::Utc::now().to_rfc2822()
    );
    m.push_str(extra);
    m.push_str("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
    m.push_str(body);
    m.push_str("\r\n");
    m
}

/// Binary bytes: every byte value, many times, in a shifting order.
pub fn binary(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(7).wrapping_add((i / 256) as u32) as u8)
        .collect()
}

/// Sets a stack user's password (the app keeps the old one).
pub fn set_password(user: &str, password: &str) {
    mail_stack(&["set-password", &email(user), password]);
}
