//! The bench's world: the mail stack's ports and CA (from the environment or
//! `target/mail-stack/env`), throwaway mail users, the database of a run (a SQLite file
//! under `target/bench-sending`, or a throwaway PostgreSQL database), and a sender mailbox
//! connected through the service API, as a user would, with the server's send worker.
//! Small pieces are copied from `tests/support/send_fixtures.rs` so the bench does not
//! depend on test files.

use super::{Backend, repo};
use domain::{
    Access, ComposeFields, CrmCreate, CrmMode, Language, MailboxSettings, Plan, Provider, Security,
    ServerAddress, SyncPeriod,
};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use services::{
    AppState,
    accounts::{self, Actor, SignUp},
    mail::{
        address_policy::AddressPolicy,
        login::{CheckOptions, Login},
        tls::MailTrust,
    },
    mailboxes::{self, ConnectRequest},
    plan,
    secrets::MasterKey,
    sending::{self, SendConfig, SendWorker, SendWorkerHandle},
    sync::{SyncEngine, schedule::Outcome},
};
use std::{collections::HashMap, path::PathBuf, process::Command, time::Duration};

/// The sender name of the bench mailbox (non-ASCII: From needs RFC 2047, as for most users
/// of this app).
pub const SENDER_NAME: &str = "Олена Коваль";

/// The mail stack as `scripts/mail-stack/mail-stack start` left it.
pub struct Stack {
    pub host: String,
    pub imaps: u16,
    pub smtps: u16,
    pub ca: PathBuf,
}

impl Stack {
    pub fn from_env() -> Stack {
        let file = repo().join("target/mail-stack/env");
        let from_file: HashMap<String, String> = std::fs::read_to_string(&file)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.trim_matches('"').to_owned()))
            .collect();
        let var = |k: &str| {
            std::env::var(k)
                .ok()
                .or_else(|| from_file.get(k).cloned())
                .unwrap_or_else(|| panic!("{k} missing: run scripts/mail-stack/mail-stack start"))
        };
        let port = |k: &str| var(k).parse::<u16>().unwrap_or_else(|e| panic!("{k}: {e}"));
        Stack {
            host: var("MAILSTACK_HOST"),
            imaps: port("MAILSTACK_IMAPS_PORT"),
            smtps: port("MAILSTACK_SMTPS_PORT"),
            ca: var("MAILSTACK_CA").into(),
        }
    }

    pub fn imaps_server(&self) -> ServerAddress {
        ServerAddress {
            host: self.host.clone(),
            port: self.imaps,
            security: Security::Tls,
        }
    }

    pub fn smtps_server(&self) -> ServerAddress {
        ServerAddress {
            host: self.host.clone(),
            port: self.smtps,
            security: Security::Tls,
        }
    }

    /// The stack's CA on top of the web roots, verification on; loopback allowed (what
    /// `MAIL_ALLOW_PRIVATE=true` gives the server).
    pub fn trust(&self) -> MailTrust {
        MailTrust::new(Some(&self.ca))
            .expect("the mail stack's CA")
            .with_policy(AddressPolicy {
                allow_private: true,
            })
    }

    pub fn check_options(&self) -> CheckOptions {
        CheckOptions {
            trust: self.trust(),
            timeout: Duration::from_secs(10),
        }
    }
}

fn mail_stack(args: &[&str]) {
    let out = Command::new(repo().join("scripts/mail-stack/mail-stack"))
        .args(args)
        .output()
        .expect("scripts/mail-stack/mail-stack runs");
    assert!(
        out.status.success(),
        "mail-stack {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A fresh mail-stack user `<prefix><random>@example.test` (password `<name>-pass-1`),
/// removed with its mail when dropped (unless `BENCH_KEEP`).
pub struct MailUser(pub String);

impl MailUser {
    pub fn new(prefix: &str) -> MailUser {
        let name = format!(
            "{prefix}{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let user = MailUser(name);
        mail_stack(&["add-user", &user.email(), &user.password()]);
        user
    }

    pub fn email(&self) -> String {
        format!("{}@example.test", self.0)
    }

    pub fn password(&self) -> String {
        format!("{}-pass-1", self.0)
    }

    pub fn login(&self) -> Login {
        Login::new(self.email(), self.password())
    }
}

impl Drop for MailUser {
    fn drop(&mut self) {
        if std::env::var_os("BENCH_KEEP").is_none() {
            let _ = Command::new(repo().join("scripts/mail-stack/mail-stack"))
                .args(["del-user", &self.email()])
                .output();
        }
    }
}

/// Where a run stores: its URL, and the throwaway file or database behind it (removed
/// when dropped, outside any runtime: PostgreSQL's drop runs its own).
pub struct Storage {
    pub url: String,
    dir: PathBuf,
    pg: Option<(String, String)>,
}

impl Storage {
    pub fn create(backend: Backend) -> Storage {
        let dir = repo().join("target/bench-sending").join(format!(
            "{}-{}",
            backend.key(),
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("bench directory");
        match backend {
            Backend::Sqlite => Storage {
                url: format!("sqlite://{}?mode=rwc", dir.join("mail.db").display()),
                dir,
                pg: None,
            },
            Backend::Postgres => {
                let admin = std::env::var("BENCH_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
                let name = format!("bench_sending_{}", std::process::id());
                admin_sql(
                    &admin,
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                );
                admin_sql(&admin, &format!("CREATE DATABASE {name}"));
                let base = admin.rsplit_once('/').map_or("", |(b, _)| b);
                Storage {
                    url: format!("{base}/{name}"),
                    dir,
                    pg: Some((admin, name)),
                }
            }
        }
    }
}

impl Drop for Storage {
    fn drop(&mut self) {
        if std::env::var_os("BENCH_KEEP").is_some() {
            eprintln!("bench: BENCH_KEEP: {} kept", self.url);
            return;
        }
        if let Some((admin, name)) = &self.pg {
            admin_sql(
                admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn admin_sql(admin: &str, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let db = Database::connect(admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {admin}: {e}"));
        if let Err(err) = db.execute_unprepared(sql).await {
            eprintln!("bench: {sql}: {err}");
        }
        db.close().await.ok();
    });
}

/// A mailbox to send from, connected by a new Professional workspace's admin (the
/// wizard's check and connect), syncing INBOX and Sent, synced once, no undo-send delay.
pub struct Sender {
    pub st: AppState,
    pub engine: SyncEngine,
    pub owner: Actor,
    pub id: i64,
}

impl Sender {
    pub async fn connect(db: DatabaseConnection, s: &Stack, user: &MailUser) -> Sender {
        let key = MasterKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
            .expect("master key");
        let st = AppState::new(db.clone(), key, s.trust());
        let owner = accounts::sign_up(
            &db,
            SignUp {
                workspace_name: "Bench".into(),
                name: "Owner".into(),
                email: format!("owner-{}@acme.com", user.0),
                password: "correct horse".into(),
                language: Language::En,
            },
        )
        .await
        .expect("sign-up");
        let owner = Actor::load(&db, owner.id).await.expect("actor");
        plan::set_plan(&db, &owner, Plan::Professional)
            .await
            .expect("plan");
        let request = ConnectRequest {
            provider: Provider::OwnDomain,
            email: user.email(),
            password: user.password(),
            imap: Some(s.imaps_server()),
            smtp: Some(s.smtps_server()),
            smtp_username: None,
            smtp_password: None,
        };
        let checked = mailboxes::check_and_draft(&st, &owner, request)
            .await
            .expect("login check");
        let chosen = MailboxSettings {
            sender_name: SENDER_NAME.into(),
            mailbox_name: "Bench".into(),
            access: Access::Personal,
            grantees: Vec::new(),
            crm_mode: CrmMode::Off,
            crm_create: CrmCreate::default(),
            period: SyncPeriod::Month,
            folders: vec!["INBOX".into(), "Sent".into()],
        };
        let id = mailboxes::connect(&st, &owner, &checked, chosen)
            .await
            .expect("connect");
        sending::set_undo_seconds(&st, &owner, 0)
            .await
            .expect("undo delay 0");
        let mut engine = SyncEngine::new(db, st.master_key.clone(), st.mail_trust.clone(), 4);
        engine.connect_timeout = Duration::from_secs(10);
        let outcome = engine.sync_mailbox(id).await;
        assert_eq!(outcome, Outcome::Synced, "first sync of the bench mailbox");
        Sender {
            st,
            engine,
            owner,
            id,
        }
    }

    /// The server's send worker (`SendConfig::default()`, as `server/src/sync_scheduler.rs`
    /// starts it) on this state's waker.
    pub fn worker(&self) -> SendWorkerHandle {
        SendWorker::new(
            self.engine.clone(),
            self.st.send_waker.clone(),
            format!("bench-{}", uuid::Uuid::new_v4().simple()),
            SendConfig::default(),
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
}
