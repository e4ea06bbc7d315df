//! PostgreSQL computes a message's search vector in about half the time, the same vector.
//!
//! `message_search_vector` was a SQL function. PostgreSQL cannot inline it (`concat_ws` is
//! only STABLE), so each call set up its body anew, and with it the SQL function
//! `message_search_people` twice: parsed, analysed and planned again for every row
//! (about a fifth of the index catch-up's CPU). As PL/pgSQL its expression is planned
//! once per session. And `translate` with 32 marks walks the list of marks for every
//! character of the text; one `regexp_replace` with a bracket expression of the same
//! marks does not (docs/benchmarks.md, forty-first round).
//!
//! The vector is the same, character for character, so rows indexed before stay as they
//! are (`tests/search_vector.rs` compares both definitions). SQLite has no such function.

use super::m20261130_000050_message_search::{PUNCTUATION, VECTOR_TEXT, sql_vector_function};
use super::m20261201_000110_search_queue::run;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(manager, plpgsql_vector_function()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(manager, sql_vector_function("CREATE OR REPLACE")).await
    }
}

/// Defines the function on PostgreSQL; nothing to do on SQLite.
async fn on_postgres(manager: &SchemaManager<'_>, function: String) -> Result<(), DbErr> {
    if manager.get_database_backend() == DbBackend::Postgres {
        run(manager, &[function]).await?;
    }
    Ok(())
}

/// Each punctuation mark escaped inside one bracket expression (in PostgreSQL's regular
/// expressions a backslash before a mark stands for the mark itself, `]` and `\` included).
fn punctuation_class() -> String {
    let marks: String = PUNCTUATION.chars().map(|c| format!("\\{c}")).collect();
    format!("[{marks}]")
}

fn plpgsql_vector_function() -> String {
    format!(
        "CREATE OR REPLACE FUNCTION message_search_vector(from_name text, from_address text, \
         to_list text, cc_list text, subject text, text_body text, html_body text) \
         RETURNS tsvector LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$ BEGIN \
         RETURN strip(to_tsvector('simple', lower(regexp_replace({VECTOR_TEXT}, '{}', ' ', 'g')))); \
         END $fn$",
        punctuation_class().replace('\'', "''"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_class_holds_each_mark_once_escaped() {
        let class = punctuation_class();
        assert_eq!(class.len(), 2 + 2 * PUNCTUATION.len());
        assert!(class.starts_with("[\\!\\\"\\#") && class.ends_with("\\|\\}\\~]"));
    }
}
