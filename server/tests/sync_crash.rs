//! A crash or a restart resumes within seconds — the real `mailcenter` binary as a child
//! process, against the real Dovecot, on SQLite and PostgreSQL. A 10,000-message INBOX
//! (seeded reproducibly) is syncing when the process is stopped:
//!
//! - SIGKILL, restarted on the same address (a restart): it takes its predecessor's
//!   leases back at start and resumes at once;
//! - SIGKILL, another process on another address (another host): it takes the mailbox
//!   over the moment the 30 s lease lapses;
//! - SIGTERM (a deploy), with `SYNC_SHUTDOWN_GRACE_SECS=0` so the run is certainly cut:
//!   the process gives the lease back, due at once, and exits; another process on another
//!   address goes on at once. (A run that ends within the grace records its outcome:
//!   `services/tests/sync_leases.rs`.)
//!
//! Every case ends with every message of the server stored exactly once. The figures are
//! printed. The three cases run one after another (one sync of 10,000 at a time).

use chrono::Utc;
use domain::{Access, Language, MailboxSettings, Provider, SyncPeriod};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect,
};
use services::{
    AppState,
    accounts::{self, Actor, SignUp},
    entities::{mailbox, mailbox_folder, message},
    mail::login::{CheckOptions, Login, open_session},
    mail::tls::MailTrust,
    mailboxes::{self, ConnectRequest},
    secrets::MasterKey,
    sync::fetch,
};
use std::{
    collections::HashMap,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};

const MESSAGES: u64 = 10_000;
const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/// The scheduler's lease (`SchedulerConfig::default()`).
const LEASE: Duration = Duration::from_secs(30);

/// One case at a time: each syncs 10,000 messages and measures times.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The mail stack's settings (`target/mail-stack/env`, or the environment).
fn stack_env() -> HashMap<String, String> {
    let mut vars: HashMap<String, String> =
        std::fs::read_to_string(repo().join("target/mail-stack/env"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
    for (k, v) in std::env::vars().filter(|(k, _)| k.starts_with("MAILSTACK_")) {
        vars.insert(k, v);
    }
    assert!(
        vars.contains_key("MAILSTACK_IMAPS_PORT"),
        "the mail stack is needed: scripts/mail-stack/mail-stack start"
    );
    vars
}

fn mail_stack(args: &[&str]) {
    let out = Command::new(repo().join("scripts/mail-stack/mail-stack"))
        .args(args)
        .env("MAILSTACK_SEED_SPAN_DAYS", "20")
        .output()
        .expect("mail-stack runs");
    assert!(
        out.status.success(),
        "mail-stack {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One mail user with a 10,000-message INBOX, seeded once per test run.
fn mail_user() -> &'static str {
    static USER: OnceLock<String> = OnceLock::new();
    USER.get_or_init(|| {
        let name = format!("crash{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let email = format!("{name}@example.test");
        mail_stack(&["add-user", &email, &format!("{name}-pass-1")]);
        let seeded = Instant::now();
        mail_stack(&["seed-messages", &email, &MESSAGES.to_string(), "INBOX"]);
        eprintln!("seeded {MESSAGES} messages in {:?}", seeded.elapsed());
        name
    })
}

/// A fresh database: a SQLite file in `dir`, or a throwaway PostgreSQL database.
async fn fresh_database(backend: &str, dir: &Path) -> String {
    if backend == "sqlite" {
        return format!("sqlite://{}?mode=rwc", dir.join("mail.db").display());
    }
    let admin_url = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let admin = Database::connect(&admin_url).await.unwrap();
    let name = format!("mc_t_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap();
    format!("{base}/{name}")
}

/// A Free workspace whose admin connected the user's INBOX (due at once).
async fn connected_mailbox(db: &DatabaseConnection, env: &HashMap<String, String>) -> i64 {
    let user = mail_user();
    let ca = PathBuf::from(&env["MAILSTACK_CA"]);
    let mut state = AppState::new(
        db.clone(),
        MasterKey::from_base64(KEY).unwrap(),
        MailTrust::new(Some(&ca)).unwrap(),
    );
    state.connect_timeout = Duration::from_secs(10);
    let admin = accounts::sign_up(
        db,
        SignUp {
            workspace_name: "Crash".into(),
            name: "Owner".into(),
            email: format!("owner-{}@acme.com", uuid::Uuid::new_v4().simple()),
            password: "correct horse".into(),
            language: Language::En,
        },
    )
    .await
    .unwrap();
    let actor = Actor::load(db, admin.id).await.unwrap();
    let server = |port: &str, security| domain::ServerAddress {
        host: env["MAILSTACK_HOST"].clone(),
        port: env[port].parse().unwrap(),
        security,
    };
    let request = ConnectRequest {
        provider: Provider::OwnDomain,
        email: format!("{user}@example.test"),
        password: format!("{user}-pass-1"),
        imap: Some(server("MAILSTACK_IMAPS_PORT", domain::Security::Tls)),
        smtp: Some(server("MAILSTACK_SMTPS_PORT", domain::Security::Tls)),
        smtp_username: None,
        smtp_password: None,
    };
    let draft = mailboxes::check_and_draft(&state, &actor, request)
        .await
        .unwrap();
    let settings = MailboxSettings {
        sender_name: "Owner".into(),
        mailbox_name: "Crash".into(),
        access: Access::Personal,
        grantees: vec![],
        crm_mode: domain::CrmMode::Off,
        crm_create: domain::CrmCreate::default(),
        period: SyncPeriod::Month,
        folders: vec!["INBOX".into()],
    };
    mailboxes::connect(&state, &actor, &draft, settings)
        .await
        .unwrap()
}

/// The UIDs of INBOX on the server.
async fn server_uids(env: &HashMap<String, String>) -> Vec<i64> {
    let user = mail_user();
    let ca = PathBuf::from(&env["MAILSTACK_CA"]);
    let opts = CheckOptions::new(MailTrust::new(Some(&ca)).unwrap());
    let login = Login::new(format!("{user}@example.test"), format!("{user}-pass-1"));
    let address = domain::ServerAddress {
        host: env["MAILSTACK_HOST"].clone(),
        port: env["MAILSTACK_IMAPS_PORT"].parse().unwrap(),
        security: domain::Security::Tls,
    };
    let (mut session, _) = open_session(&address, &login, &opts).await.unwrap();
    fetch::examine(&mut session, "INBOX").await.unwrap();
    let mut uids: Vec<i64> = fetch::search(&mut session, "ALL")
        .await
        .unwrap()
        .into_iter()
        .collect();
    session.logout().await.ok();
    uids.sort_unstable();
    uids
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `mailcenter` on `port` with its log in `dir/<name>.log`.
fn server(
    name: &str,
    dir: &Path,
    database_url: &str,
    port: u16,
    env: &HashMap<String, String>,
) -> Child {
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).unwrap();
    // The first process of the SIGTERM case cuts its run at once.
    let grace = if name == "first-term" { "0" } else { "10" };
    Command::new(env!("CARGO_BIN_EXE_mailcenter"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("DATA_DIR", dir)
        .env("DATABASE_URL", database_url)
        .env("MASTER_KEY", KEY)
        .env("MAIL_EXTRA_CA_FILE", &env["MAILSTACK_CA"])
        .env("MAIL_ALLOW_PRIVATE", "true")
        .env("MAIL_DISCOVERY_ALLOW_PRIVATE", "true")
        .env("SITE_ROOT", repo().join("target/site"))
        .env("SYNC_IDLE_MAX", "0")
        .env("SYNC_SHUTDOWN_GRACE_SECS", grace)
        .env("LOG_LEVEL", "info")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("target/debug/mailcenter starts")
}

/// Checks `done` every 10 ms until it holds (the time it took) or `limit` passes.
async fn within<F, Fut>(limit: Duration, mut done: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if done().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

async fn bodies_done(db: &DatabaseConnection, folder: i64) -> u64 {
    message::Entity::find()
        .filter(message::Column::FolderId.eq(folder))
        .filter(message::Column::BodyState.ne("pending"))
        .count(db)
        .await
        .unwrap()
}

async fn mailbox_row(db: &DatabaseConnection, id: i64) -> mailbox::Model {
    mailbox::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Stop {
    /// SIGKILL, then the same instance (host and address) starts again.
    KillRestart,
    /// SIGKILL, then another process on another address.
    KillOtherProcess,
    /// SIGTERM, then another process on another address.
    Term,
}

async fn stop_mid_sync_and_resume(stop: Stop) {
    let _one_at_a_time = SERIAL.lock().await;
    let env = stack_env();
    let on_server = server_uids(&env).await;
    assert_eq!(on_server.len() as u64, MESSAGES);
    for backend in ["sqlite", "postgres"] {
        let dir = std::env::temp_dir().join(format!(
            "mailcenter-crash-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let url = fresh_database(backend, &dir).await;
        let db = services::db::connect_and_migrate(&url).await.unwrap();
        let id = connected_mailbox(&db, &env).await;
        let inbox = mailbox_folder::Entity::find()
            .filter(mailbox_folder::Column::MailboxId.eq(id))
            .filter(mailbox_folder::Column::Name.eq("INBOX"))
            .one(&db)
            .await
            .unwrap()
            .unwrap()
            .id;
        let first_port = free_port();
        let started = Instant::now();
        let first_name = if stop == Stop::Term {
            "first-term"
        } else {
            "first"
        };
        let mut first = server(first_name, &dir, &url, first_port, &env);
        // Stopped once some bodies are stored, and not all.
        let mid_sync = within(Duration::from_secs(120), || async {
            let n = bodies_done(&db, inbox).await;
            n > 0 && n < MESSAGES / 2
        })
        .await;
        let holder = mailbox_row(&db, id).await.lease_owner;
        let stopped_at = Instant::now();
        match stop {
            Stop::KillRestart | Stop::KillOtherProcess => first.kill().unwrap(),
            Stop::Term => {
                let term = Command::new("kill")
                    .args(["-TERM", &first.id().to_string()])
                    .status()
                    .unwrap();
                assert!(term.success());
            }
        }
        let exited = within(Duration::from_secs(20), || {
            let exited = first.try_wait().unwrap().is_some();
            async move { exited }
        })
        .await;
        assert!(
            mid_sync.is_some(),
            "{backend}: the sync never showed some bodies stored but not all ({} of {MESSAGES})",
            bodies_done(&db, inbox).await
        );
        assert!(
            exited.is_some(),
            "{backend}: the first process did not exit"
        );
        let exit_time = stopped_at.elapsed();
        let at_stop = bodies_done(&db, inbox).await;
        let after_stop = mailbox_row(&db, id).await;
        let log = |name: &str| {
            std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default()
        };
        assert!(
            holder.is_some(),
            "{backend}: the first process held the mailbox"
        );
        if stop == Stop::Term {
            assert!(
                exit_time < Duration::from_secs(5),
                "{backend}: a grace of 0 s stops at once ({exit_time:?})"
            );
            assert!(
                after_stop.lease_owner.is_none() && after_stop.lease_until.is_none(),
                "{backend}: a clean stop gives the lease back; log:\n{}",
                log(first_name)
            );
            assert!(
                after_stop.last_sync_at.is_none(),
                "{backend}: the run was cut"
            );
            assert!(
                after_stop.next_sync_at.is_some_and(|at| at <= Utc::now()),
                "{backend}: due at once"
            );
        } else {
            assert_eq!(
                after_stop.lease_owner, holder,
                "{backend}: a kill leaves the lease"
            );
        }
        let (resumed, finished) = {
            let second_port = match stop {
                Stop::KillRestart => first_port,
                Stop::KillOtherProcess | Stop::Term => free_port(),
            };
            let mut second = server("second", &dir, &url, second_port, &env);
            // Syncing again: the mailbox is held by a live lease of another owner.
            let resumed = within(LEASE + Duration::from_secs(15), || async {
                let row = mailbox_row(&db, id).await;
                row.lease_owner.is_some() && row.lease_owner != holder
            })
            .await
            .map(|_| stopped_at.elapsed());
            let finished = within(Duration::from_secs(120), || async {
                let row = mailbox_row(&db, id).await;
                row.last_sync_at.is_some() && row.lease_owner.is_none()
            })
            .await
            .map(|_| stopped_at.elapsed());
            second.kill().ok();
            second.wait().ok();
            assert!(
                resumed.is_some() && finished.is_some(),
                "{backend} {stop:?}: not resumed and finished; first log:\n{}\nsecond log:\n{}",
                log(first_name),
                log("second")
            );
            let resumed = resumed.unwrap();
            if stop != Stop::KillOtherProcess {
                assert!(
                    resumed < Duration::from_secs(10),
                    "{backend} {stop:?}: resumed at once, not after the lease ({resumed:?})"
                );
            } else {
                assert!(
                    resumed <= LEASE + Duration::from_secs(5),
                    "{backend}: taken over when the lease lapsed ({resumed:?})"
                );
            }
            (resumed, finished.unwrap())
        };
        let total = started.elapsed();
        // Every message of the server exactly once, every body fetched.
        let rows: Vec<(i64, Option<String>, String)> = message::Entity::find()
            .select_only()
            .column(message::Column::Uid)
            .column(message::Column::MessageId)
            .column(message::Column::BodyState)
            .filter(message::Column::FolderId.eq(inbox))
            .into_tuple()
            .all(&db)
            .await
            .unwrap();
        let mut uids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        uids.sort_unstable();
        assert_eq!(
            uids, on_server,
            "{backend} {stop:?}: the app holds the server's UIDs once"
        );
        let distinct: std::collections::HashSet<&Option<String>> =
            rows.iter().map(|r| &r.1).collect();
        assert_eq!(distinct.len(), rows.len(), "{backend}: no message twice");
        assert!(
            rows.iter().all(|r| r.2 != "pending"),
            "{backend}: every body fetched"
        );
        eprintln!(
            "{backend} {stop:?}: stopped with {at_stop} of {MESSAGES} bodies stored \
             (exited {exit_time:.2?} after the signal); syncing again {resumed:.2?} after it; \
             all {MESSAGES} stored once {finished:.2?} after it ({total:.2?} in all, at {})",
            Utc::now().format("%H:%M:%S")
        );
        db.close().await.ok();
        std::fs::remove_dir_all(&dir).ok();
    }
}

#[tokio::test]
async fn a_killed_process_restarted_resumes_at_once() {
    stop_mid_sync_and_resume(Stop::KillRestart).await;
}

#[tokio::test]
async fn a_killed_process_is_taken_over_when_its_lease_lapses() {
    stop_mid_sync_and_resume(Stop::KillOtherProcess).await;
}

#[tokio::test]
async fn a_terminated_process_gives_its_lease_back_and_the_next_goes_on_at_once() {
    stop_mid_sync_and_resume(Stop::Term).await;
}
