//! The four reading scenarios at three levels: the server's HTTP API (from this process,
//! another one than the server's), the service functions called in this process (no HTTP,
//! no session), and the baseline — the SQL the service runs, sent straight to the database.

use super::{fixture::Fixture, load::pick, server::App, server::enc};
use domain::{ListCursor, MailScope, MessageAction, Timestamp};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use services::{mail_actions, mail_view};
use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Instant,
};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// The newest page of INBOX (with its count).
    Page1,
    /// A page older than a random INBOX message.
    Deep,
    /// A random message of the mailbox opened (marked read) with its conversation.
    Open,
    /// One word of the vocabulary, in the whole mailbox.
    Search,
}

impl Scenario {
    pub const ALL: [Scenario; 4] = [
        Scenario::Page1,
        Scenario::Deep,
        Scenario::Open,
        Scenario::Search,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Scenario::Page1 => "a. list, page 1",
            Scenario::Deep => "b. list, random deep page",
            Scenario::Open => "c. open a random message",
            Scenario::Search => "d. search a random word",
        }
    }
}

/// Everything a call needs; shared by the load tasks.
pub struct Ctx {
    pub db: DatabaseConnection,
    /// The server process (for its CPU time).
    pub server_pid: u32,
    pub fixture: Fixture,
    pub app: App,
    /// The words searched for: every common word and as many from the rare tail.
    pub queries: Vec<String>,
    /// JSON encoding of the service level's results: nanoseconds and bytes in all, count.
    pub encode_ns: AtomicU64,
    pub encode_bytes: AtomicU64,
    pub encodes: AtomicU64,
}

impl Ctx {
    fn cursor(&self, salt: u64, i: u64) -> (i64, i64) {
        let c = &self.fixture.cursors;
        c[pick(salt, i, c.len())]
    }

    fn message(&self, salt: u64, i: u64) -> i64 {
        let ids = &self.fixture.ids;
        ids[pick(salt, i, ids.len())]
    }

    fn word(&self, salt: u64, i: u64) -> &str {
        &self.queries[pick(salt, i, self.queries.len())]
    }

    fn folder_form(&self) -> String {
        format!(
            "mailbox={}&folder={}",
            self.fixture.mailbox, self.fixture.inbox
        )
    }

    fn encoded<T: serde::Serialize>(&self, value: &T) -> Result<(), String> {
        let t0 = Instant::now();
        let bytes = serde_json::to_vec(value).map_err(|e| e.to_string())?;
        let ns = t0.elapsed().as_nanos() as u64;
        self.encode_ns.fetch_add(ns, Ordering::Relaxed);
        self.encode_bytes
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        self.encodes.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// The server function the page calls. Returns the bytes of the answer.
pub async fn app(ctx: &Ctx, s: Scenario, salt: u64, i: u64) -> Result<usize, String> {
    let (endpoint, form) = match s {
        Scenario::Page1 => ("message_list", ctx.folder_form()),
        Scenario::Deep => {
            let (at, id) = ctx.cursor(salt, i);
            let form = format!("{}&before={at}.{id}", ctx.folder_form());
            ("message_list", form)
        }
        Scenario::Open => ("conversation", format!("id={}", ctx.message(salt, i))),
        Scenario::Search => {
            let q = enc(ctx.word(salt, i));
            let form = format!("q={q}&mailbox={}", ctx.fixture.mailbox);
            ("search_mail", form)
        }
    };
    ctx.app.call(endpoint, form, <[u8]>::len).await
}

/// The services functions the server function calls, and the JSON encoding of their
/// result. Returns the rows shown.
pub async fn service(ctx: &Ctx, s: Scenario, salt: u64, i: u64) -> Result<usize, String> {
    let (db, actor, f) = (&ctx.db, &ctx.fixture.actor, &ctx.fixture);
    let folder = MailScope::Folder {
        mailbox: f.mailbox,
        folder: f.inbox,
    };
    let err = |e: services::ServiceError| e.to_string();
    match s {
        Scenario::Page1 | Scenario::Deep => {
            let before = (s == Scenario::Deep).then(|| {
                let (at, id) = ctx.cursor(salt, i);
                ListCursor {
                    received_at: Timestamp(at),
                    id,
                }
            });
            let list = mail_view::message_list(db, actor, folder, before)
                .await
                .map_err(err)?;
            ctx.encoded(&list)?;
            Ok(list.messages.len())
        }
        Scenario::Open => {
            let id = ctx.message(salt, i);
            mail_actions::apply(db, actor, &[id], MessageAction::MarkRead)
                .await
                .map_err(err)?;
            let conversation = mail_view::conversation(db, actor, id).await.map_err(err)?;
            ctx.encoded(&conversation)?;
            Ok(conversation.messages.len())
        }
        Scenario::Search => {
            let scope = MailScope::Mailbox(f.mailbox);
            let found = mail_view::search::search_messages(db, actor, scope, ctx.word(salt, i))
                .await
                .map_err(err)?;
            ctx.encoded(&found)?;
            Ok(found.messages.len())
        }
    }
}

/// What a list line shows (`mail_view::messages::list_columns`).
const LIST_COLUMNS: &str = "id, mailbox_id, folder_id, from_name, from_address, subject, \
    snippet, received_at, seen, flagged, body_state, attachments <> '[]' AS has_attachments";

/// Every column of a message row (the `message::Model`; PostgreSQL's `search` vector is
/// not one).
const ROW_COLUMNS: &str = "id, mailbox_id, folder_id, uidvalidity, uid, message_id, thread_id, \
    in_reply_to, \"references\", subject, from_name, from_address, to_list, cc_list, reply_to, \
    sent_at, received_at, size, seen, flagged, answered, draft, body_state, text_body, html_body, \
    snippet, attachments, body_bytes";

/// Page 1's count of the folder.
pub const COUNT_SQL: &str = "SELECT count(*) AS n FROM messages WHERE folder_id = $1";

/// The same data as [`service`] straight from the database, one statement at a time as
/// the service sends them, without the access checks. Returns the rows read.
pub async fn sql(ctx: &Ctx, s: Scenario, salt: u64, i: u64) -> Result<usize, String> {
    let f = &ctx.fixture;
    let db = &ctx.db;
    let page = format!("SELECT {LIST_COLUMNS} FROM messages WHERE folder_id = $1");
    let newest = "ORDER BY received_at DESC, id DESC LIMIT 51";
    match s {
        Scenario::Page1 => {
            let rows = query(db, &format!("{page} {newest}"), vec![f.inbox.into()]).await?;
            query(db, COUNT_SQL, vec![f.inbox.into()]).await?;
            Ok(rows.len().min(50))
        }
        Scenario::Deep => deep_page(ctx, Keyset::Service, salt, i).await,
        Scenario::Open => {
            let id = ctx.message(salt, i);
            let by_id = format!("SELECT {ROW_COLUMNS} FROM messages WHERE id = $1");
            let row = query(db, &by_id, vec![id.into()]).await?;
            let row = row.first().ok_or("no such message")?;
            let get_err = |e: sea_orm::DbErr| e.to_string();
            let seen: bool = row.try_get("", "seen").map_err(get_err)?;
            let thread: String = row.try_get("", "thread_id").map_err(get_err)?;
            if !seen {
                let mark = "UPDATE messages SET seen = $2 WHERE id = $1";
                query(db, mark, vec![id.into(), true.into()]).await?;
            }
            let (sql, values) = thread_sql(f.mailbox, thread);
            let rows = query(db, &sql, values).await?;
            let folders = "SELECT * FROM mailbox_folders WHERE mailbox_id = $1";
            query(db, folders, vec![f.mailbox.into()]).await?;
            Ok(rows.len())
        }
        Scenario::Search => {
            let backend = db.get_database_backend();
            let (sql, values) = search_sql(backend, ctx.word(salt, i), f.mailbox);
            let rows = query(db, &sql, values).await?;
            Ok(rows.len().min(100))
        }
    }
}

/// How a deep page's keyset condition is written.
#[derive(Clone, Copy)]
pub enum Keyset {
    /// As the service writes it: `received_at < ? OR (received_at = ? AND id < ?)`, every
    /// value its own parameter.
    Service,
    /// One row-value comparison, `(received_at, id) < (?, ?)`.
    RowValue,
}

/// A page of INBOX older than a random message, its keyset written as `keyset` says.
pub async fn deep_page(ctx: &Ctx, keyset: Keyset, salt: u64, i: u64) -> Result<usize, String> {
    let (at, id) = ctx.cursor(salt, i);
    let at = chrono::DateTime::from_timestamp(at, 0).unwrap_or_default();
    let inbox = ctx.fixture.inbox;
    let (sql, values) = deep_page_sql(keyset, inbox, at, id);
    let rows = query(&ctx.db, &sql, values).await?;
    Ok(rows.len().min(50))
}

/// The statement of [`deep_page`] and its values.
pub fn deep_page_sql(
    keyset: Keyset,
    folder: i64,
    at: chrono::DateTime<chrono::Utc>,
    id: i64,
) -> (String, Vec<Value>) {
    let (condition, values) = match keyset {
        Keyset::Service => (
            "(received_at < $2 OR (received_at = $3 AND id < $4))",
            vec![folder.into(), at.into(), at.into(), id.into()],
        ),
        Keyset::RowValue => (
            "(received_at, id) < ($2, $3)",
            vec![folder.into(), at.into(), id.into()],
        ),
    };
    let sql = format!(
        "SELECT {LIST_COLUMNS} FROM messages WHERE folder_id = $1 AND {condition} \
         ORDER BY received_at DESC, id DESC LIMIT 51"
    );
    (sql, values)
}

/// The conversation's thread query (`mail_view::conversation`) and its values.
pub fn thread_sql(mailbox: i64, thread: String) -> (String, Vec<Value>) {
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM messages WHERE mailbox_id = $1 AND thread_id = $2 \
         ORDER BY received_at DESC, id DESC LIMIT 100"
    );
    (sql, vec![mailbox.into(), thread.into()])
}

/// The search statement (`mail_view::search`) for one word in a mailbox, and its values.
pub fn search_sql(backend: DbBackend, word: &str, mailbox: i64) -> (String, Vec<Value>) {
    let word = word.to_lowercase();
    match backend {
        DbBackend::Sqlite => {
            let sql = format!(
                "SELECT {LIST_COLUMNS} FROM messages WHERE id IN (SELECT rowid & 2147483647 \
                 FROM message_search WHERE message_search MATCH $1 ORDER BY rowid DESC \
                 LIMIT 101) ORDER BY received_at DESC, id DESC LIMIT 101"
            );
            let fts = format!(
                "{{sender recipients subject body}} : (\"{word}\"*) AND place : (\"m{mailbox}\")"
            );
            (sql, vec![fts.into()])
        }
        _ => {
            let sql = format!(
                "SELECT {LIST_COLUMNS} FROM messages WHERE search @@ to_tsquery('simple', \
                 lower($1)) AND mailbox_id = $2 ORDER BY received_at DESC, id DESC LIMIT 101"
            );
            (sql, vec![format!("'{word}':*").into(), mailbox.into()])
        }
    }
}

/// One statement with `$n` placeholders (`?n` on SQLite).
pub async fn query(
    db: &DatabaseConnection,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<sea_orm::QueryResult>, String> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_owned(),
    };
    db.query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .map_err(|e| e.to_string())
}
