//! Fixtures for the sync tests: throwaway mail users on the real Dovecot, seeded mail,
//! a second IMAP client playing "another device", and the app's and the server's view
//! of a folder for exact comparison.

#![allow(dead_code)]

use super::{
    mail_stack::{Stack, stack_var},
    mailbox_fixtures::{admin, request, settings},
};
use async_imap::Session;
use domain::{Access, SyncPeriod};
use futures_util::TryStreamExt;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use services::{
    AppState,
    accounts::Actor,
    entities::{mailbox, mailbox_folder, message},
    mail::login::{CheckOptions, Login, Tls, open_session},
    mail::tls::MailTrust,
    mailboxes,
    sync::SyncEngine,
};
use std::{collections::BTreeMap, path::PathBuf, process::Command};

pub fn mail_stack(args: &[&str]) -> String {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/mail-stack/mail-stack");
    let out = Command::new(script)
        .args(args)
        // Recent dates only, so every seeded message is inside the mailbox's period.
        .env("MAILSTACK_SEED_SPAN_DAYS", "20")
        .output()
        .expect("mail-stack runs");
    assert!(
        out.status.success(),
        "mail-stack {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A user no test has used, with password `<name>-pass-1`: one `make test` made ready
/// (`mail-stack pool`), else a new `<prefix><random>@example.test`.
pub fn mail_user(prefix: &str) -> String {
    if let Some(name) = pooled_user() {
        return name;
    }
    let name = format!(
        "{prefix}{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    mail_stack(&[
        "add-user",
        &format!("{name}@example.test"),
        &format!("{name}-pass-1"),
    ]);
    name
}

/// Takes a user from the running stack's pool: deleting its file is the claim, which exactly
/// one process can make.
fn pooled_user() -> Option<String> {
    let pool = PathBuf::from(stack_var("MAILSTACK_DIR")).join("pool");
    std::fs::read_dir(pool)
        .ok()?
        .flatten()
        .find(|entry| std::fs::remove_file(entry.path()).is_ok())
        .and_then(|entry| entry.file_name().into_string().ok())
}

pub fn seed(user: &str, n: usize, folder: &str) {
    mail_stack(&[
        "seed-messages",
        &format!("{user}@example.test"),
        &n.to_string(),
        folder,
    ]);
}

/// Like [`seed`], with no message larger than `max_bytes` (for tests that set a size limit).
pub fn seed_capped(user: &str, n: usize, folder: &str, max_bytes: usize) {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/mail-stack/mail-stack");
    let out = Command::new(script)
        .args([
            "seed-messages",
            &format!("{user}@example.test"),
            &n.to_string(),
            folder,
        ])
        .env("MAILSTACK_SEED_SPAN_DAYS", "20")
        .env("MAILSTACK_SEED_MAX_BYTES", max_bytes.to_string())
        .output()
        .expect("mail-stack runs");
    assert!(
        out.status.success(),
        "seed-messages: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// "Another device": a plain IMAP session of the user.
pub async fn other_client(s: &Stack, user: &str) -> Session<Tls> {
    let opts = CheckOptions::new(MailTrust::new(Some(&s.ca)).unwrap());
    let login = Login::new(format!("{user}@example.test"), format!("{user}-pass-1"));
    open_session(&s.imaps_server(), &login, &opts)
        .await
        .unwrap()
        .0
}

/// `UID STORE <set> <change>` by another device, e.g. `+FLAGS (\\Deleted)`.
pub async fn store_flags(imap: &mut Session<Tls>, set: &str, change: &str) {
    let _: Vec<_> = imap
        .uid_store(set, change)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
}

/// `EXPUNGE` by another device.
pub async fn expunge(imap: &mut Session<Tls>) {
    let _: Vec<_> = imap.expunge().await.unwrap().try_collect().await.unwrap();
}

/// uid → (Message-ID, \Seen) as the server has it.
pub async fn server_view(
    s: &Stack,
    user: &str,
    folder: &str,
) -> BTreeMap<i64, (Option<String>, bool)> {
    let mut imap = other_client(s, user).await;
    imap.examine(folder).await.unwrap();
    let fetches: Vec<_> = imap
        .uid_fetch("1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let view = fetches
        .iter()
        .map(|f| {
            let seen = f.flags().any(|fl| fl == async_imap::types::Flag::Seen);
            let id = services::sync::parse::envelope(f.header().unwrap_or_default()).message_id;
            (i64::from(f.uid.unwrap()), (id, seen))
        })
        .collect();
    imap.logout().await.ok();
    view
}

/// uid → (Message-ID, seen) as the app stored it; panics on a duplicate UID.
pub async fn app_view(
    db: &DatabaseConnection,
    folder_id: i64,
) -> BTreeMap<i64, (Option<String>, bool)> {
    let rows = message::Entity::find()
        .filter(message::Column::FolderId.eq(folder_id))
        .all(db)
        .await
        .unwrap();
    let mut view = BTreeMap::new();
    for r in rows {
        assert!(
            view.insert(r.uid, (r.message_id.clone(), r.seen)).is_none(),
            "duplicate uid {} in folder {folder_id}",
            r.uid
        );
    }
    view
}

pub async fn folder(db: &DatabaseConnection, mailbox_id: i64, name: &str) -> mailbox_folder::Model {
    mailbox_folder::Entity::find()
        .filter(mailbox_folder::Column::MailboxId.eq(mailbox_id))
        .filter(mailbox_folder::Column::Name.eq(name))
        .one(db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no folder {name}"))
}

/// The mailbox's owner, as the server functions see them.
pub async fn owner_of(db: &DatabaseConnection, mailbox_id: i64) -> Actor {
    let row = mailbox::Entity::find_by_id(mailbox_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    Actor::load(db, row.owner_id).await.unwrap()
}

/// Connects `user`'s mailbox for a new workspace admin, syncing `folders`.
pub async fn connected(st: &AppState, s: &Stack, user: &str, folders: &[&str]) -> i64 {
    let owner = admin(&st.db, &format!("owner-{user}@acme.com")).await;
    let draft = mailboxes::check_and_draft(st, &owner, request(s, user))
        .await
        .unwrap();
    let mut chosen = settings(Access::Personal, vec![]);
    chosen.folders = folders.iter().map(|f| (*f).to_owned()).collect();
    chosen.period = SyncPeriod::Month;
    mailboxes::connect(st, &owner, &draft, chosen)
        .await
        .unwrap()
}

pub fn engine(st: &AppState) -> SyncEngine {
    let mut engine = SyncEngine::new(
        st.db.clone(),
        st.master_key.clone(),
        st.mail_trust.clone(),
        4,
    );
    engine.connect_timeout = std::time::Duration::from_secs(10);
    engine
}

/// The app holds exactly what the server holds in this folder: same UIDs, same
/// Message-IDs, same \Seen, nothing twice.
pub async fn assert_same(st: &AppState, s: &Stack, user: &str, mailbox_id: i64, name: &str) {
    let f = folder(&st.db, mailbox_id, name).await;
    let server = server_view(s, user, name).await;
    let app = app_view(&st.db, f.id).await;
    assert_eq!(app.len(), server.len(), "{name}: count app vs server");
    assert_eq!(app, server, "{name}: app vs server");
}

/// One clean run, then the app must hold exactly the server's mail in each folder, with
/// every header and body fetched.
pub async fn sync_and_compare(
    engine: &SyncEngine,
    st: &AppState,
    s: &Stack,
    user: &str,
    mailbox_id: i64,
    folders: &[&str],
) {
    let outcome = engine.sync_mailbox(mailbox_id).await;
    assert_eq!(outcome, services::sync::schedule::Outcome::Synced);
    for name in folders {
        assert_same(st, s, user, mailbox_id, name).await;
        let f = folder(&st.db, mailbox_id, name).await;
        assert_eq!(f.headers_done, f.in_range, "{name}: every header");
        assert_eq!(f.bodies_done, f.in_range, "{name}: every body");
    }
}

/// Every row of a mailbox, newest UID first.
pub async fn rows(db: &DatabaseConnection, mailbox_id: i64) -> Vec<message::Model> {
    rows_by(db, mailbox_id, message::Column::Uid).await
}

/// Every row of a mailbox, the highest `newest_first` first.
pub async fn rows_by(
    db: &DatabaseConnection,
    mailbox_id: i64,
    newest_first: message::Column,
) -> Vec<message::Model> {
    message::Entity::find()
        .filter(message::Column::MailboxId.eq(mailbox_id))
        .order_by_desc(newest_first)
        .all(db)
        .await
        .unwrap()
}

/// As if the folder's messages from `uid` up came after its last run: its rows of them
/// gone and that UIDNEXT remembered.
pub async fn new_since_last_run(db: &DatabaseConnection, folder_id: i64, uid: i64) {
    message::Entity::delete_many()
        .filter(message::Column::FolderId.eq(folder_id))
        .filter(message::Column::Uid.gte(uid))
        .exec(db)
        .await
        .unwrap();
    mailbox_folder::Entity::update_many()
        .col_expr(
            mailbox_folder::Column::Uidnext,
            sea_orm::sea_query::Expr::value(uid),
        )
        .filter(mailbox_folder::Column::Id.eq(folder_id))
        .exec(db)
        .await
        .unwrap();
}
