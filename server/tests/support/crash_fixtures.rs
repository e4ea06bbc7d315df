//! The real `mailcenter` binary as a child process for the crash tests: the mail stack's
//! settings, a seeded 10,000-message mail user, fresh databases, a connected mailbox, the
//! server started on a free port, and the rows the tests read.

use domain::{Access, Language, MailboxSettings, Provider, SyncPeriod};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter,
};
use services::{
    AppState,
    accounts::{self, Actor, SignUp},
    entities::{mailbox, message},
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

/// Messages in the seeded INBOX.
pub const MESSAGES: u64 = 10_000;
/// The servers' lease (`SYNC_LEASE_SECS`): the shortest the server accepts (renewed every
/// 2 s), against the default 30 s, so the take-over case waits less; the logic is the
/// same. No case has two live processes contending for the mailbox, so a renewal delayed
/// by the load cannot hand a live run's mailbox to another.
pub const LEASE: Duration = Duration::from_secs(6);
/// The master key the child processes share.
pub const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The mail stack's settings (`target/mail-stack/env`, or the environment).
pub fn stack_env() -> HashMap<String, String> {
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

pub fn mail_stack(args: &[&str]) {
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
pub fn mail_user() -> &'static str {
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
pub async fn fresh_database(backend: &str, dir: &Path) -> String {
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
pub async fn connected_mailbox(db: &DatabaseConnection, env: &HashMap<String, String>) -> i64 {
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
pub async fn server_uids(env: &HashMap<String, String>) -> Vec<i64> {
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
    let state = fetch::examine(&mut session, "INBOX").await.unwrap();
    let range = services::sync::folder::FetchBounds::default().search_range;
    let mut uids: Vec<i64> = fetch::search(&mut session, "ALL", &state, range)
        .await
        .unwrap()
        .into_iter()
        .collect();
    session.logout().await.ok();
    uids.sort_unstable();
    uids
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `mailcenter` on `port` with its log in `dir/<name>.log`.
pub fn server(
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
        .env("SYNC_LEASE_SECS", LEASE.as_secs().to_string())
        .env("LOG_LEVEL", "info")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("the built mailcenter starts")
}

/// Checks `done` every 10 ms until it holds (the time it took) or `limit` passes.
pub async fn within<F, Fut>(limit: Duration, mut done: F) -> Option<Duration>
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

pub async fn bodies_done(db: &DatabaseConnection, folder: i64) -> u64 {
    message::Entity::find()
        .filter(message::Column::FolderId.eq(folder))
        .filter(message::Column::BodyState.ne("pending"))
        .count(db)
        .await
        .unwrap()
}

pub async fn mailbox_row(db: &DatabaseConnection, id: i64) -> mailbox::Model {
    mailbox::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}
