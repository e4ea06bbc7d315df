//! Sending benchmark behind `scripts/bench sending` (figures and how to read them in
//! docs/benchmarks.md, section "Sending"): the time from **Send** to the message in the
//! recipient's INBOX and to its copy in the sender's Sent folder, through the app — the
//! service's `send_draft` with the undo-send delay 0 and the server's send worker, on
//! SQLite and on PostgreSQL — beside the same message sent by a plain SMTP client (lettre,
//! a new connection per message) and filed by a plain IMAP `APPEND`, in the same run,
//! against the project's mail stack (Postfix submission → LMTP → Dovecot).
//!
//! ```text
//! sending [sqlite|postgres|both]
//! ```
//! Environment: `BENCH_DB` (the same choice; the argument wins; default both),
//! `BENCH_ROUNDS` (20 measured rounds per database and message, after one warm-up round),
//! `BENCH_POSTGRES_URL` (the local trust-auth server's `postgres` database; the bench makes
//! and drops its own `bench_sending_<pid>` beside it), `BENCH_DEADLINE_S` (900: the whole
//! bench stops by itself after this), `BENCH_KEEP` (keep the databases and mail users).
//! Each message must arrive within 30 s, or its case stops. Rounds alternate which path
//! goes first; the two never run at the same time. Only 127.0.0.1 is talked to, with TLS
//! verified against the stack's CA.

mod app;
mod fixture;
mod plain_smtp;
mod report;
mod watch;

use fixture::{MailUser, Sender, Stack, Storage};
use lettre::{Address, message::Mailbox};
use report::CaseResult;
use services::sending::mime::{self, Outgoing, OutgoingAttachment};
use std::{
    path::PathBuf,
    time::{Duration, Instant},
};
use watch::Watch;

/// How long one message may take from Send to the recipient's INBOX and to Sent.
const PER_MESSAGE: Duration = Duration::from_secs(30);

fn main() {
    // `cargo bench` adds `--bench`.
    let arg = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let which = arg
        .or_else(|| std::env::var("BENCH_DB").ok())
        .unwrap_or_else(|| "both".into());
    tracing_subscriber::fmt()
        .with_env_filter(services::logging::filter("warn,sqlx=error"))
        .with_writer(std::io::stderr)
        .init();
    let backends: &[Backend] = match which.as_str() {
        "sqlite" => &[Backend::Sqlite],
        "postgres" => &[Backend::Postgres],
        "both" => &[Backend::Sqlite, Backend::Postgres],
        _ => {
            eprintln!("usage: sending [sqlite|postgres|both]  (BENCH_ROUNDS=20)");
            std::process::exit(2);
        }
    };
    let num = |name: &str, default: u64| -> u64 {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let rounds = num("BENCH_ROUNDS", 20).max(1) as usize;
    watchdog(Duration::from_secs(num("BENCH_DEADLINE_S", 900)));
    let stack = Stack::from_env();
    println!(
        "   message watch: IMAP NOOP + UID SEARCH every {} ms; deadline {} s per message; {rounds} rounds after 1 warm-up",
        watch::POLL.as_millis(),
        PER_MESSAGE.as_secs()
    );
    let mut results = Vec::new();
    for &backend in backends {
        let storage = Storage::create(backend);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        results.extend(runtime.block_on(run(backend, &stack, &storage.url, rounds)));
        drop(runtime);
        drop(storage);
    }
    report::print_summary(&results);
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A message the bench sends.
pub struct Case {
    pub label: &'static str,
    pub body: &'static str,
    /// (file name, content type, bytes).
    pub attachment: Option<(String, String, Vec<u8>)>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            label: "small text",
            body: "Добрий день!\n\nНадсилаю підсумки зустрічі: строки ті самі, бюджет \
                   погоджено. Деталі — у четвер.\n\nОлена",
            attachment: None,
        },
        Case {
            label: "1 MB attachment",
            body: "Звіт у вкладенні.\n\nОлена",
            attachment: Some((
                "звіт-2026.pdf".into(),
                "application/pdf".into(),
                binary(1 << 20),
            )),
        },
    ]
}

/// Bytes that do not compress: every byte value, in a shifting order.
fn binary(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Ends the process if the bench has not finished by `limit`.
fn watchdog(limit: Duration) {
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        eprintln!(
            "bench sending: not done after {} s (BENCH_DEADLINE_S): stopped",
            limit.as_secs()
        );
        std::process::exit(3);
    });
}

async fn run(backend: Backend, s: &Stack, url: &str, rounds: usize) -> Vec<CaseResult> {
    let t0 = Instant::now();
    let db = services::db::connect_and_migrate(url)
        .await
        .expect("database");
    let sender_user = MailUser::new("bsnd");
    let rcpt = MailUser::new("brcp");
    let snd = Sender::connect(db, s, &sender_user).await;
    let worker = snd.worker();
    let mut inbox = Watch::open(s, &rcpt, "INBOX").await;
    let mut sent = Watch::open(s, &sender_user, "Sent").await;
    let plain = plain_smtp::PlainSmtp::new(s, &sender_user);
    println!(
        "\n== {}: sender {} → {} (SMTPS {}:{}), set up in {:.1} s ==",
        backend.name(),
        sender_user.email(),
        rcpt.email(),
        s.host,
        s.smtps,
        t0.elapsed().as_secs_f64()
    );
    let mut results = Vec::new();
    for case in cases() {
        let mut result = CaseResult {
            backend: backend.name(),
            case: case.label,
            bytes: 0,
            app: Vec::new(),
            plain: Vec::new(),
            stopped: None,
        };
        for round in 0..=rounds {
            if let Err(why) = one_round(
                &snd,
                s,
                &sender_user,
                &rcpt,
                &case,
                round,
                (&mut inbox, &mut sent),
                &plain,
                &mut result,
            )
            .await
            {
                eprintln!(
                    "bench sending: {} · {} round {round}: {why}",
                    backend.name(),
                    case.label
                );
                result.stopped = Some(format!("round {round}: {why}"));
                break;
            }
        }
        report::print_case(&result);
        results.push(result);
    }
    worker.shutdown().await;
    inbox.close().await;
    sent.close().await;
    snd.st.db.close().await.ok();
    println!(
        "   ({} done in {:.0} s)",
        backend.name(),
        t0.elapsed().as_secs_f64()
    );
    results
}

/// One round of a case: a draft prepared and the plain client's message built (not
/// timed), then both sent one after the other (which first alternates by round); round
/// 0 warms up and is not kept.
#[allow(clippy::too_many_arguments)]
async fn one_round(
    snd: &Sender,
    s: &Stack,
    sender_user: &MailUser,
    rcpt: &MailUser,
    case: &Case,
    round: usize,
    (inbox, sent): (&mut Watch, &mut Watch),
    plain: &plain_smtp::PlainSmtp,
    result: &mut CaseResult,
) -> Result<(), String> {
    let token = &uuid::Uuid::new_v4().simple().to_string()[..10];
    let subject = format!("Звіт за квартал — bench {token}");
    let (draft_id, app_id, fields) = app::prepare(snd, case, &rcpt.email(), &subject).await?;
    let plain_id = format!("<bench-{}@example.test>", uuid::Uuid::new_v4().simple());
    let raw = plain_message(sender_user, rcpt, &subject, &plain_id, case)?;
    let from: Address = sender_user.email().parse().map_err(|e| format!("{e}"))?;
    let to: Address = rcpt.email().parse().map_err(|e| format!("{e}"))?;
    let mut app_times = None;
    let mut plain_times = None;
    for turn in 0..2 {
        if (turn == 0) == round.is_multiple_of(2) {
            let deadline = Instant::now() + PER_MESSAGE;
            app_times =
                Some(app::round(snd, draft_id, &app_id, &fields, inbox, sent, deadline).await?);
        } else {
            let deadline = Instant::now() + PER_MESSAGE;
            plain_times = Some(
                plain_smtp::round(
                    plain,
                    s,
                    sender_user,
                    &from,
                    &to,
                    &raw,
                    &plain_id,
                    inbox,
                    deadline,
                )
                .await?,
            );
        }
    }
    let (Some(a), Some(b)) = (app_times, plain_times) else {
        return Err("a path did not run".into());
    };
    eprintln!(
        "   {round:>2}: app INBOX {:>6.1} Sent {:>6.1} | plain INBOX {:>6.1} Sent {:>6.1}{}",
        a.inbox,
        a.sent(),
        b.inbox,
        b.sent,
        if round == 0 { "  (warm-up)" } else { "" }
    );
    result.bytes = raw.len();
    if round > 0 {
        result.app.push(a);
        result.plain.push(b);
    }
    Ok(())
}

/// The plain client's message: what the worker builds for the draft (same From with the
/// sender name, To, subject, text with its HTML alternative, attachment), with its own
/// Message-ID.
fn plain_message(
    sender: &MailUser,
    rcpt: &MailUser,
    subject: &str,
    message_id: &str,
    case: &Case,
) -> Result<Vec<u8>, String> {
    let address = |u: &MailUser| u.email().parse::<Address>().map_err(|e| e.to_string());
    let outgoing = Outgoing {
        from: Mailbox::new(Some(fixture::SENDER_NAME.into()), address(sender)?),
        to: vec![Mailbox::new(None, address(rcpt)?)],
        cc: Vec::new(),
        bcc: Vec::new(),
        subject: subject.to_owned(),
        message_id: message_id.to_owned(),
        in_reply_to: None,
        references: String::new(),
        date: chrono::Utc::now(),
        text: case.body.to_owned(),
        attachments: case
            .attachment
            .iter()
            .map(|(name, content_type, bytes)| OutgoingAttachment {
                name: name.clone(),
                content_type: content_type.clone(),
                bytes: bytes.clone(),
            })
            .collect(),
    };
    mime::build(&outgoing)
}
