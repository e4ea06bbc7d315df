//! Search over synced mail: a full-text index of sender, recipients (To and Cc), subject
//! and body text, kept up to date by database triggers so sync's insert-then-update of
//! bodies, moves and deletes (cascades included) need no code of their own.
//!
//! - SQLite: an FTS5 table `message_search`, contentless with delete support (the text is
//!   not stored twice), `unicode61` words without diacritic folding (like PostgreSQL's
//!   `simple`: "й" stays apart from "и"), `detail = column` (no word positions: a smaller
//!   index and cheap prefix merges). Its rowids run in list order (see [`sqlite_key`]).
//! - PostgreSQL: a `search` tsvector column on `messages` (`simple` configuration: no
//!   stemming; positions stripped), filled by a BEFORE trigger, read through a GIN index.
//!
//! Both index words split at every punctuation mark, so "anna@acme.com" is the words
//! `anna`, `acme`, `com` on both. Recipient lists are JSON: only the names and addresses
//! are indexed, never the keys. Rows that exist when this runs are indexed here.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns whose change re-indexes a message.
pub(crate) const SEARCHED: &str = "from_name, from_address, to_list, cc_list, subject, text_body";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Sqlite => run(manager, &sqlite_up()).await,
            DbBackend::Postgres => run(manager, &postgres_up()).await,
            _ => Ok(()),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Sqlite => &[
                "DROP TRIGGER IF EXISTS messages_search_insert",
                "DROP TRIGGER IF EXISTS messages_search_update",
                "DROP TRIGGER IF EXISTS messages_search_delete",
                "DROP TABLE IF EXISTS message_search",
            ],
            DbBackend::Postgres => &[
                "DROP TRIGGER IF EXISTS messages_search ON messages",
                "DROP FUNCTION IF EXISTS messages_search_refresh()",
                "DROP INDEX IF EXISTS idx_messages_search",
                "ALTER TABLE messages DROP COLUMN IF EXISTS search",
                "DROP FUNCTION IF EXISTS message_search_vector(text, text, text, text, text, text, text)",
                "DROP FUNCTION IF EXISTS message_search_people(text)",
            ],
            _ => &[],
        };
        let statements: Vec<String> = statements.iter().map(|s| (*s).to_owned()).collect();
        run(manager, &statements).await
    }
}

async fn run(manager: &SchemaManager<'_>, statements: &[String]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

/// The FTS5 row for the `messages` row called `r` (`new`/`old` in a trigger): its rowid,
/// then the columns' values.
///
/// The rowid is the message's place in the list order, `received_at` (whole seconds, 1970
/// to 2106) above the id's 31 low bits: FTS5 hands out matches newest first and stops at
/// the page's end, with no sort of everything that matched. Search reads the id back as
/// `rowid & 0x7FFF_FFFF` (ids stay below 2^31 on SQLite).
fn sqlite_key(r: &str) -> String {
    format!("(max(0, min(coalesce(unixepoch({r}.received_at), 0), 4294967295)) << 31) | {r}.id")
}

fn sqlite_values(r: &str) -> String {
    // Only the string values of the JSON lists: never the keys "name" and "address".
    // A list that is not JSON indexes nothing rather than failing the write.
    let people = |col: &str| {
        format!(
            "coalesce((SELECT group_concat(j.value, ' ') FROM json_tree(CASE WHEN json_valid({r}.{col}) \
             THEN {r}.{col} ELSE '[]' END) AS j WHERE j.type = 'text'), '')"
        )
    };
    // `place`: the tokens `m<mailbox id>` and `f<folder id>`, so a scope is part of the
    // match (the user's words are matched in the other columns only).
    format!(
        "{}, {r}.from_name || ' ' || {r}.from_address, {} || ' ' || {}, {r}.subject, \
         coalesce({r}.text_body, ''), 'm' || {r}.mailbox_id || ' f' || {r}.folder_id",
        sqlite_key(r),
        people("to_list"),
        people("cc_list"),
    )
}

/// The FTS5 `INSERT` of the row called `r` and the `DELETE` of the row `old`.
pub(crate) fn sqlite_insert_delete(r: &str) -> (String, String) {
    let insert = format!(
        "INSERT INTO message_search(rowid, sender, recipients, subject, body, place) SELECT {}",
        sqlite_values(r)
    );
    let delete = format!(
        "DELETE FROM message_search WHERE rowid = {}",
        sqlite_key("old")
    );
    (insert, delete)
}

/// The triggers that index a row as it is written (this migration's; replaced by the
/// queue of `m20261201_000110_search_queue`, whose `down` brings them back).
pub(crate) fn sqlite_triggers() -> [String; 3] {
    let (insert, delete) = sqlite_insert_delete("new");
    [
        format!(
            "CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN {insert}; END"
        ),
        // A move to another folder (write-back actions) changes `place`.
        format!(
            "CREATE TRIGGER messages_search_update AFTER UPDATE OF {SEARCHED}, \
             mailbox_id, folder_id, received_at ON messages BEGIN {delete}; {insert}; END"
        ),
        format!(
            "CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN {delete}; END"
        ),
    ]
}

fn sqlite_up() -> Vec<String> {
    let (index_all, _) = sqlite_insert_delete("m");
    let mut statements = vec![
        // `prefix`: words of one to three letters — what is typed first, and the most
        // common words — have their own index; longer ones merge the words they start.
        "CREATE VIRTUAL TABLE message_search USING fts5(sender, recipients, subject, body, place, \
         content = '', contentless_delete = 1, detail = column, prefix = '1 2 3', \
         tokenize = 'unicode61 remove_diacritics 0')"
            .to_owned(),
    ];
    statements.extend(sqlite_triggers());
    statements.push(format!("{index_all} FROM messages AS m"));
    statements
}

/// The ASCII punctuation marks the index splits words at.
pub(crate) const PUNCTUATION: &str = r##"!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~"##;

/// The text a message's vector is made of: sender, recipients' names and addresses, subject,
/// body. The body is the text part, or the HTML with its tags removed; at most 100,000
/// characters (a tsvector holds at most 1 MB).
pub(crate) const VECTOR_TEXT: &str = "concat_ws(' ', from_name, from_address, \
     message_search_people(to_list), message_search_people(cc_list), subject, \
     left(coalesce(text_body, regexp_replace(html_body, '<[^>]*>', ' ', 'g')), 100000))";

/// `message_search_vector` as this migration defines it (`create`: `CREATE` here, `CREATE
/// OR REPLACE` when a later migration puts it back on the way down).
///
/// Every ASCII punctuation mark becomes a space before PostgreSQL's parser sees the text,
/// so addresses, host names and "Invoice-2026" split into words as on SQLite. lower() as
/// well as the `simple` dictionary's own lowercasing: Cyrillic is folded the same way on
/// both sides whatever the parser makes of the locale.
pub(crate) fn sql_vector_function(create: &str) -> String {
    format!(
        "{create} FUNCTION message_search_vector(from_name text, from_address text, to_list text, \
         cc_list text, subject text, text_body text, html_body text) RETURNS tsvector \
         LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$ \
         SELECT strip(to_tsvector('simple', lower(translate({VECTOR_TEXT}, '{}', '{}')))) $fn$",
        PUNCTUATION.replace('\'', "''"),
        " ".repeat(PUNCTUATION.len()),
    )
}

fn postgres_up() -> Vec<String> {
    let vector = sql_vector_function("CREATE");
    vec![
        "ALTER TABLE messages ADD COLUMN search tsvector".to_owned(),
        // A search for a common word walks the mailbox's newest-first index and tests each
        // row's vector: kept in the row (not TOAST), compressed with lz4 where the server
        // has it (PostgreSQL 14+ built with lz4), it is read several times faster.
        "ALTER TABLE messages ALTER COLUMN search SET STORAGE MAIN".to_owned(),
        "DO $do$ BEGIN \
         ALTER TABLE messages ALTER COLUMN search SET COMPRESSION lz4; \
         EXCEPTION WHEN others THEN NULL; END $do$"
            .to_owned(),
        // The string values of a JSON list of {name, address}: never the keys.
        "CREATE FUNCTION message_search_people(people text) RETURNS text \
         LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$ \
         SELECT coalesce(string_agg(v #>> '{}', ' '), '') \
         FROM jsonb_path_query(people::jsonb, 'lax $[*].* ? (@.type() == \"string\")') AS v \
         $fn$"
            .to_owned(),
        vector,
        "CREATE FUNCTION messages_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $fn$ \
         BEGIN \
         NEW.search := message_search_vector(NEW.from_name, NEW.from_address, NEW.to_list, \
         NEW.cc_list, NEW.subject, NEW.text_body, NEW.html_body); \
         RETURN NEW; \
         END $fn$"
            .to_owned(),
        format!(
            "CREATE TRIGGER messages_search BEFORE INSERT OR UPDATE OF {SEARCHED}, html_body \
             ON messages FOR EACH ROW EXECUTE FUNCTION messages_search_refresh()"
        ),
        "UPDATE messages SET search = message_search_vector(from_name, from_address, to_list, \
         cc_list, subject, text_body, html_body)"
            .to_owned(),
        "CREATE INDEX idx_messages_search ON messages USING gin (search)".to_owned(),
        // The planner picks the index walk or the GIN index from the word's frequency.
        "ANALYZE messages".to_owned(),
    ]
}
