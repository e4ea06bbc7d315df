//! Every workspace page under load (issue 8 §3): 32 concurrent clients on a loopback port
//! against the real router, a real mailbox synced from the real Dovecot (300 messages), for
//! a few seconds and a bounded number of loads. Every load must be a complete 200 and no
//! panic may happen anywhere in the process (a panic in a page drops its connection).

use crate::support;

use services::{mail::tls::MailTrust, sync::SyncEngine};
use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};
use support::{get, mail_stack, post_form, serve, stack_env};

const CLIENTS: usize = 32;
/// Loads stop being started after this long (each client finishes at least one round).
const LOAD_FOR: Duration = Duration::from_secs(5);
/// Upper bound of rounds (every page once) per client.
const MAX_ROUNDS: usize = 20;
/// Upper bound of the whole load phase, whatever happens.
const HARD_LIMIT: Duration = Duration::from_secs(180);

static PANICS: AtomicUsize = AtomicUsize::new(0);
static FIRST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Counts every panic of the process (the server's tasks run in this test's runtime).
fn count_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        let mut first = FIRST_PANIC.lock().unwrap_or_else(|e| e.into_inner());
        first.get_or_insert_with(|| info.to_string());
        drop(first);
        previous(info);
    }));
}

/// The first panic's message, copied: an assertion must not hold `FIRST_PANIC`'s lock while
/// it panics, since the hook takes it (a failing assertion hung the test until nextest's
/// timeout that way).
fn first_panic() -> Option<String> {
    FIRST_PANIC
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

/// A complete page: 200, the whole body (the resolved-resource scripts follow `</html>`).
fn page_ok(res: &Result<support::RawResponse, String>) -> Result<(), String> {
    match res {
        Err(e) => Err(format!("connection: {e}")),
        Ok(r) if r.status != 200 => Err(format!("status {}", r.status)),
        Ok(r) if !r.complete => Err(format!("cut after {} bytes", r.body.len())),
        Ok(r) if !r.body.contains("</html>") => Err("no </html>".into()),
        Ok(_) => Ok(()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_page_holds_under_32_concurrent_clients() {
    count_panics();
    let env = stack_env();
    let ca = std::path::PathBuf::from(&env["MAILSTACK_CA"]);
    let trust = MailTrust::new(Some(&ca)).unwrap();
    let app = support::app(trust.clone(), Default::default(), false).await;
    let addr = serve(app.router.clone()).await;

    // A real mailbox: 300 messages in INBOX, connected through the wizard, synced once.
    let user = format!("load{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let (email, password) = (format!("{user}@example.test"), format!("{user}-pass-1"));
    mail_stack(&["add-user", &email, &password]);
    mail_stack(&["seed-messages", &email, "300", "INBOX"]);
    let res = post_form(
        addr,
        "sign_up",
        None,
        &[
            ("workspace_name", "Load"),
            ("name", "Admin"),
            ("email", "admin@load.test"),
            ("password", "long password"),
            ("language", "en"),
        ],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let cookie = res.session_cookie().expect("a session cookie");
    let host = env["MAILSTACK_HOST"].as_str();
    let res = post_form(
        addr,
        "check_mailbox",
        Some(&cookie),
        &[
            ("provider", "own_domain"),
            ("email", &email),
            ("password", &password),
            ("imap_host", host),
            ("imap_port", env["MAILSTACK_IMAPS_PORT"].as_str()),
            ("imap_security", "tls"),
            ("smtp_host", host),
            ("smtp_port", env["MAILSTACK_SMTPS_PORT"].as_str()),
            ("smtp_security", "tls"),
        ],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let draft: String = serde_json::from_str(&res.body).unwrap();
    let res = post_form(
        addr,
        "connect_mailbox",
        Some(&cookie),
        &[
            ("draft", draft.as_str()),
            ("settings[sender_name]", "Admin"),
            ("settings[mailbox_name]", "Load"),
            ("settings[access]", "personal"),
            ("settings[period]", "1m"),
            ("settings[folders][0]", "INBOX"),
        ],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let mailbox: i64 = res.body.trim().parse().unwrap();
    let mut engine = SyncEngine::new(app.state.db.clone(), app.state.master_key.clone(), trust, 4);
    engine.connect_timeout = Duration::from_secs(10);
    assert_eq!(
        engine.sync_mailbox(mailbox).await,
        services::sync::schedule::Outcome::Synced
    );
    let res = post_form(
        addr,
        "sync_progress",
        Some(&cookie),
        &[("mailbox", &mailbox.to_string())],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let progress: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    let inbox = progress["folders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "INBOX")
        .expect("INBOX in the progress")["id"]
        .clone();

    let folder = format!("/mail/{mailbox}/folders/{inbox}");
    let pages: Arc<Vec<String>> = Arc::new(vec![
        "/".into(),
        "/mail".into(),
        folder.clone(),
        format!("{folder}?page=3"),
        "/mail/accounts".into(),
        format!("/mail/accounts/{mailbox}/settings"),
        format!("/mail/accounts/{mailbox}/disconnect"),
        "/members".into(),
        "/plan".into(),
        "/mail/connect".into(),
        "/mail/connect/gmail".into(),
        "/mail/connect/own_domain".into(),
    ]);
    // The folder holds the synced mail (its pages list 50 of the 300).
    let res = post_form(
        addr,
        "message_list",
        Some(&cookie),
        &[
            ("mailbox", &mailbox.to_string()),
            ("folder", &inbox.to_string()),
        ],
    )
    .await;
    let list: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(list["total"], 300, "{}", res.body);

    // Each page once, alone, then all of them at once.
    let mut outcomes = Vec::new();
    for page in pages.iter() {
        let res = get(addr, page, Some(&cookie)).await;
        outcomes.push((page.clone(), page_ok(&res)));
    }
    let started = Instant::now();
    let deadline = started + LOAD_FOR;
    let cookie = Arc::new(cookie);
    let clients = (0..CLIENTS).map(|client| {
        let (pages, cookie) = (pages.clone(), cookie.clone());
        tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for round in 0..MAX_ROUNDS {
                if round > 0 && Instant::now() >= deadline {
                    break;
                }
                // Clients start at different pages so that every page is hit at once.
                for i in 0..pages.len() {
                    let page = &pages[(i + client) % pages.len()];
                    let res = get(addr, page, Some(&cookie)).await;
                    outcomes.push((page.clone(), page_ok(&res)));
                }
            }
            outcomes
        })
    });
    let loads = tokio::time::timeout(HARD_LIMIT, futures_join(clients.collect()))
        .await
        .expect("the load finished within its hard limit");
    outcomes.extend(loads.into_iter().flatten());
    let elapsed = started.elapsed();

    let mut per_page: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for (page, outcome) in outcomes {
        let entry = per_page.entry(page.clone()).or_default();
        entry.0 += 1;
        if let Err(e) = outcome {
            entry.1 += 1;
            failures.push(format!("{page}: {e}"));
        }
    }
    let total: usize = per_page.values().map(|(n, _)| n).sum();
    let concurrent = total - pages.len();
    eprintln!(
        "page load: {} loads alone, then {CLIENTS} clients: {concurrent} loads in {:.1} s \
         ({:.0}/s); {} failed, {} panics",
        pages.len(),
        elapsed.as_secs_f64(),
        concurrent as f64 / elapsed.as_secs_f64(),
        failures.len(),
        PANICS.load(Ordering::SeqCst)
    );
    for (page, (n, failed)) in &per_page {
        eprintln!("  {page}: {n} loads, {failed} failed");
    }
    assert!(
        per_page.values().all(|(n, _)| *n > CLIENTS),
        "every client loads every page at least once"
    );
    assert!(
        failures.is_empty(),
        "{} of {total} loads failed, e.g. {:?}; first panic: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)],
        first_panic()
    );
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "{:?}", first_panic());
}

/// Awaits every client task (a panicking client fails the test).
async fn futures_join<T>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.expect("client task"));
    }
    out
}

/// The rule behind the load test, checked on every build: no page hands leptos_meta a
/// `<Title>` closure (it would run outside the request's arena); pages use `PageTitle`.
#[test]
fn pages_set_their_title_through_page_title() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src");
    let mut offenders = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.ends_with("components/page_title.rs")
            {
                let text = std::fs::read_to_string(&path).unwrap();
                if text.contains("<Title text") {
                    offenders.push(path.display().to_string());
                }
            }
        }
    }
    assert!(offenders.is_empty(), "use <PageTitle> in {offenders:?}");
}
