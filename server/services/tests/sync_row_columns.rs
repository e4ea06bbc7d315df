//! Rows written many to a statement (`sync::store::new_rows`) against the real Dovecot, on
//! SQLite and PostgreSQL: every column of every row holds its own message's value.

use crate::common;
use crate::sync_whole_rows::{inbox_fetch, passes};

use common::{
    mail_stack::stack,
    mailbox_fixtures::state,
    sync_fixtures::{assert_same, connected, engine, folder, mail_user, rows, seed},
};
use services::sync::{
    parse::{Content, Envelope, whole_or_raw},
    store::{BodyState, body_bytes},
};
use std::collections::HashMap;

/// Rows are written many to a statement (`store::new_rows`): every column of every row
/// holds its own message's value, as mail-parser reads the message the server holds.
#[tokio::test]
async fn rows_written_many_to_a_statement_each_hold_their_own_message() {
    let s = stack();
    let user = mail_user("wholecols");
    seed(&user, 150, "INBOX");
    let fetches = inbox_fetch(&s, &user, "(UID BODY.PEEK[])").await;
    let parsed: HashMap<i64, (Envelope, Content)> = fetches
        .iter()
        .map(|f| {
            let raw = f.body().unwrap_or_default();
            (i64::from(f.uid.unwrap()), whole_or_raw(raw))
        })
        .collect();
    assert_eq!(parsed.len(), 150);
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let mut engine = engine(&st);
        // 130 whole rows in one batch: two statements of 64 rows and one of 2.
        engine.limits.header_batch = 20;
        engine.limits.body_batch = 250;
        engine.limits.body_batch_bytes = 64 << 20;
        passes(&engine, &t.db, id).await;

        let b = t.backend;
        let all = rows(&t.db, id).await;
        assert_eq!(all.len(), 150, "{b}");
        let inbox = folder(&t.db, id, "INBOX").await;
        for r in &all {
            let (e, c) = &parsed[&r.uid];
            let u = r.uid;
            assert_eq!(
                (r.mailbox_id, r.folder_id, r.body_state),
                (id, inbox.id, BodyState::Stored),
                "{b}: uid {u}"
            );
            let envelope = (
                &r.message_id,
                &r.in_reply_to,
                &r.references,
                &r.thread_id,
                &r.subject,
                (&r.from_name, &r.from_address),
                (&r.to_list.0, &r.cc_list.0, &r.reply_to.0),
                r.sent_at,
                r.automated,
            );
            let expected = (
                &e.message_id,
                &e.in_reply_to,
                &e.references.join(" "),
                &e.thread_id,
                &e.subject,
                (&e.from.name, &e.from.address),
                (&e.to, &e.cc, &e.reply_to),
                e.sent_at,
                e.automated,
            );
            assert_eq!(envelope, expected, "{b}: uid {u}");
            let content = (&r.text_body, &r.html_body, &r.snippet, &r.attachments.0);
            assert_eq!(
                content,
                (&c.text, &c.html, &c.snippet, &c.attachments),
                "{b}: uid {u}"
            );
            assert_eq!(r.body_bytes, body_bytes(c), "{b}: uid {u}");
        }
        assert_same(&st, &s, &user, id, "INBOX").await;
    }
}
