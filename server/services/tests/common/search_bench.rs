//! The search index from outside: how many messages it holds, its migration run by hand
//! (down and up again), and the figures behind the report — what its triggers add to
//! storing 10,000 messages the way sync does, and search times on 100,000 messages.

#![allow(dead_code)]

use crate::search_fixtures::{Mail, row};
use domain::MailScope;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Statement, TransactionTrait,
};
use sea_orm_migration::{MigratorTrait, SchemaManager};
use services::{
    accounts::Actor, entities::message, mail_view::search::search_messages, migration::Migrator,
};
use std::time::{Duration, Instant};

/// Messages in the index (SQLite: rows of `message_search`; PostgreSQL: rows with a vector).
pub async fn indexed(db: &DatabaseConnection) -> i64 {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => "SELECT count(*) AS n FROM message_search",
        _ => "SELECT count(*) AS n FROM messages WHERE search IS NOT NULL",
    };
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// Runs the search migrations' `up` or `down` on a migrated database: the index, then the
/// queue that fills it after the rows are stored (SQLite), undone in the reverse order.
pub async fn migration(db: &DatabaseConnection, up: bool) {
    let names = [
        "m20261130_000050_message_search",
        "m20261201_000110_search_queue",
    ];
    let mut steps: Vec<_> = Migrator::migrations()
        .into_iter()
        .filter(|m| names.contains(&m.name()))
        .collect();
    assert_eq!(steps.len(), 2);
    let manager = SchemaManager::new(db);
    if !up {
        steps.reverse();
    }
    for m in steps {
        if up {
            m.up(&manager).await.unwrap();
        } else {
            m.down(&manager).await.unwrap();
        }
    }
}

/// A small deterministic generator of mail-like text: a fixed vocabulary of Latin and
/// Cyrillic words, common ones far more often than rare ones.
struct Words {
    state: u64,
    vocabulary: Vec<String>,
}

impl Words {
    fn new() -> Words {
        let latin = [
            "ka", "lo", "mi", "ne", "po", "ru", "sa", "te", "vi", "zo", "ar", "en",
        ];
        let cyrillic = [
            "ра", "хун", "ок", "ли", "ст", "ва", "ні", "ко", "да", "ту", "че", "жи",
        ];
        let mut w = Words {
            state: 0x9E37_79B9_7F4A_7C15,
            vocabulary: Vec::new(),
        };
        for i in 0..20_000 {
            let syllables = if i % 2 == 0 { &latin } else { &cyrillic };
            let len = 2 + w.next() % 3;
            let word: String = (0..len)
                .map(|_| syllables[(w.next() % 12) as usize])
                .collect();
            w.vocabulary.push(word);
        }
        w
    }

    fn next(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }

    fn word(&mut self) -> String {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        let i = (u * u * u * self.vocabulary.len() as f64) as usize;
        self.vocabulary[i].clone()
    }

    fn text(&mut self, n: usize) -> String {
        (0..n).map(|_| self.word()).collect::<Vec<_>>().join(" ")
    }
}

/// A message as sync first stores it (headers only), and its body text.
fn generated(
    words: &mut Words,
    mailbox: i64,
    folder: i64,
    at: i64,
) -> (message::ActiveModel, String) {
    use sea_orm::Set;
    let mut m = row(mailbox, folder, &Mail::titled("", at));
    m.subject = Set(words.text(6));
    m.from_name = Set(words.text(2));
    m.from_address = Set(format!("{}@{}.test", words.word(), words.word()));
    m.to_list = Set(serde_json::from_value(serde_json::json!([
        {"name": words.text(2), "address": format!("{}@example.test", words.word())},
        {"name": words.text(2), "address": format!("{}@example.test", words.word())}
    ]))
    .unwrap());
    m.body_state = Set(services::sync::store::BodyState::Pending);
    (m, words.text(150))
}

/// Stores `n` messages like sync: headers in batches of 100, then the bodies by UPDATE in
/// transactions of 100. Returns the time it took.
async fn store_like_sync(
    db: &DatabaseConnection,
    words: &mut Words,
    mailbox: i64,
    folder: i64,
    n: usize,
) -> (Duration, Duration) {
    let rows: Vec<_> = (0..n)
        .map(|i| generated(words, mailbox, folder, i as i64))
        .collect();
    let started = Spent::now();
    let mut ids = Vec::with_capacity(n);
    for chunk in rows.chunks(100) {
        let txn = db.begin().await.unwrap();
        for (m, _) in chunk {
            ids.push(m.clone().insert(&txn).await.unwrap().id);
        }
        txn.commit().await.unwrap();
    }
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "UPDATE messages SET text_body = $1, body_state = 'stored' WHERE id = $2"
        }
        _ => "UPDATE messages SET text_body = ?, body_state = 'stored' WHERE id = ?",
    };
    for (chunk, chunk_ids) in rows.chunks(100).zip(ids.chunks(100)) {
        let txn = db.begin().await.unwrap();
        for ((_, body), id) in chunk.iter().zip(chunk_ids) {
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [body.clone().into(), (*id).into()],
            ))
            .await
            .unwrap();
        }
        txn.commit().await.unwrap();
    }
    started.since()
}

use sea_orm::ActiveModelTrait;

/// Wall time, and this process's CPU time (SQLite runs in it; the machine is shared, so
/// CPU time is the steadier figure).
#[derive(Clone, Copy, Debug)]
struct Spent {
    wall: Instant,
    cpu: Duration,
}

impl Spent {
    fn now() -> Spent {
        // utime and stime, the 14th and 15th fields of /proc/self/stat, in 1/100 s.
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let after_name = stat.rsplit(") ").next().unwrap_or_default();
        let ticks: u64 = after_name
            .split(' ')
            .skip(11)
            .take(2)
            .filter_map(|f| f.parse::<u64>().ok())
            .sum();
        Spent {
            wall: Instant::now(),
            cpu: Duration::from_millis(ticks * 10),
        }
    }

    /// Since `self`: (wall, CPU).
    fn since(self) -> (Duration, Duration) {
        let now = Spent::now();
        (now.wall - self.wall, now.cpu.saturating_sub(self.cpu))
    }
}

/// Prints what the triggers add to storing 10,000 messages, and the backfill's time.
pub async fn trigger_cost(
    db: &DatabaseConnection,
    backend: &str,
    mailbox: i64,
    without: i64,
    with: i64,
) {
    let mut words = Words::new();
    migration(db, false).await;
    let plain = store_like_sync(db, &mut words, mailbox, without, 10_000).await;
    let started = Spent::now();
    migration(db, true).await;
    let backfill = started.since();
    let with_index = store_like_sync(db, &mut words, mailbox, with, 10_000).await;
    let started = Spent::now();
    let left = services::mail_view::search_index::catch_up(db, u64::MAX).await;
    let caught_up = started.since();
    assert_eq!(left.unwrap(), 0);
    assert_eq!(indexed(db).await, 20_000);
    println!(
        "{backend}: 10,000 messages stored like sync (wall, this process's CPU): {plain:?} \
         without the index, {with_index:?} with it (queued), then {caught_up:?} for the \
         queue's catch-up; indexing 10,000 stored messages: {backfill:?}"
    );
}

/// Fills a mailbox with 100,000 messages, then prints search times (p50, p99) with 32
/// clients searching at once.
pub async fn latency(
    db: &DatabaseConnection,
    backend: &str,
    actor: &Actor,
    mailbox: i64,
    folder: i64,
) {
    let mut words = Words::new();
    let started = Instant::now();
    let rows: Vec<_> = (0..100_000)
        .map(|i| {
            let (mut m, body) = generated(&mut words, mailbox, folder, i);
            m.text_body = sea_orm::Set(Some(body));
            m
        })
        .collect();
    for chunk in rows.chunks(500) {
        message::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .unwrap();
    }
    let stored = started.elapsed();
    let left = services::mail_view::search_index::catch_up(db, u64::MAX).await;
    assert_eq!(left.unwrap(), 0);
    println!(
        "{backend}: 100,000 messages stored in {stored:?}, indexed {:?} later",
        started.elapsed() - stored
    );
    if db.get_database_backend() == DbBackend::Postgres {
        // What autovacuum does in production (this test server runs without it).
        db.execute_unprepared("ANALYZE messages").await.unwrap();
    }
    let word = |i: usize| words.vocabulary[i].clone();
    let queries = [
        ("common word", word(0)),
        ("mid word", word(300)),
        ("rare word", word(19_999)),
        ("one letter", word(1).chars().take(1).collect()),
        ("two letters", word(1).chars().take(2).collect()),
        ("common AND rare", format!("{} {}", word(0), word(19_999))),
        ("mid AND mid", format!("{} {}", word(300), word(301))),
        ("address", "example.test".to_owned()),
        ("no match", "qqqqq".to_owned()),
    ];
    for (label, query) in queries {
        let mut alone = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            search_messages(db, actor, MailScope::All, &query)
                .await
                .unwrap();
            alone.push(t.elapsed());
        }
        alone.sort();
        let mut clients = Vec::new();
        for _ in 0..32 {
            let (db, actor, query) = (db.clone(), actor.clone(), query.clone());
            clients.push(tokio::spawn(async move {
                let mut times = Vec::new();
                for _ in 0..10 {
                    let t = Instant::now();
                    let r = search_messages(&db, &actor, MailScope::All, &query)
                        .await
                        .unwrap();
                    times.push((t.elapsed(), r.messages.len()));
                }
                times
            }));
        }
        let mut times = Vec::new();
        for c in clients {
            times.extend(c.await.unwrap());
        }
        times.sort();
        let found = times[0].1;
        let p = |q: f64| times[((times.len() - 1) as f64 * q) as usize].0;
        println!(
            "{backend}: {label} {query:?} ({found} shown): alone p50 {:?}; 32 clients p50 {:?}, p99 {:?}, max {:?}",
            alone[10],
            p(0.5),
            p(0.99),
            p(1.0)
        );
    }
}
