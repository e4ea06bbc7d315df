//! Search over synced mail: sender, recipients, subject and body; SQLite FTS5 or PostgreSQL full-text.
