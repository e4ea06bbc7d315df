//! The reading screen's queries against mail synced from the real Dovecot, on SQLite and
//! PostgreSQL: a conversation across INBOX and Sent, keyset pages that cover a folder
//! once (ties included), the folder tree's roles and unread counts, Reply-To kept.

use crate::common;

use common::{mail_stack::stack, mailbox_fixtures::state, sync_fixtures::*};
use domain::{FolderRole, ListCursor, MailScope, MessageList};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use services::{
    accounts::Actor,
    entities::message,
    mail_view::{conversation, mail_tree, message_list},
    sync::schedule::Outcome,
};
use std::path::PathBuf;

/// Saves an end-to-end fixture message into `folder`, addressed to `user`.
fn deliver(user: &str, folder: &str, file: &str) {
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../end2end/fixtures/reading")
        .join(file);
    let address = format!("{user}@example.test");
    let text = std::fs::read_to_string(source)
        .unwrap()
        .replace("READER", &address);
    let path = std::env::temp_dir().join(format!("{user}-{file}"));
    std::fs::write(&path, text).unwrap();
    mail_stack(&["deliver", &address, folder, path.to_str().unwrap()]);
    std::fs::remove_file(path).unwrap();
}

async fn row_by_message_id(db: &sea_orm::DatabaseConnection, mid: &str) -> message::Model {
    message::Entity::find()
        .filter(message::Column::MessageId.eq(mid))
        .one(db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no message {mid}"))
}

#[tokio::test]
async fn a_conversation_assembles_across_inbox_and_sent() {
    let s = stack();
    let user = mail_user("thread");
    for file in ["kickoff-1.eml", "kickoff-3.eml", "invoice.eml"] {
        deliver(&user, "INBOX", file);
    }
    deliver(&user, "Sent", "kickoff-2.eml");
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX", "Sent"]).await;
        assert_eq!(engine(&st).sync_mailbox(id).await, Outcome::Synced);
        let me = owner_of(&t.db, id).await;

        let first = row_by_message_id(&t.db, "kickoff-1@client.example").await;
        let c = conversation(&t.db, &me, first.id).await.unwrap();
        let subjects: Vec<&str> = c.messages.iter().map(|m| m.subject.as_str()).collect();
        assert_eq!(
            subjects,
            [
                "Project kickoff",
                "Re: Project kickoff",
                "Re: Project kickoff"
            ]
        );
        assert_eq!(c.opened, first.id);
        assert_eq!(c.messages[1].folder_role, Some(FolderRole::Sent));
        assert_eq!(c.messages[1].from.address, format!("{user}@example.test"));
        // The last reply's quote is its own folded block.
        let last = &c.messages[2];
        assert_eq!(last.text[0].quote_depth, 0);
        assert!(
            last.text
                .iter()
                .any(|b| b.quote_depth == 1 && b.text.contains("Monday works for us."))
        );
        // Opening from the Sent copy gives the same conversation.
        let reply = row_by_message_id(&t.db, "kickoff-2@example.test").await;
        let again = conversation(&t.db, &me, reply.id).await.unwrap();
        assert_eq!(again.messages.len(), 3);
        // The invoice is a conversation of its own, with its Reply-To and attachment.
        let invoice = row_by_message_id(&t.db, "invoice-17@client.example").await;
        let c = conversation(&t.db, &me, invoice.id).await.unwrap();
        assert_eq!(c.messages.len(), 1);
        let m = &c.messages[0];
        assert_eq!(m.reply_to[0].address, "billing@client.example");
        assert_eq!(m.cc[0].address, "boss@client.example");
        assert_eq!(m.attachments[0].name, "рахунок-17.pdf");
        assert_eq!(m.attachments[0].size, 2061);
        assert!(!m.has_html, "a text-only message is shown as text");
        assert!(
            m.text[0]
                .text
                .contains("Оплата протягом п'яти робочих днів.")
        );
        // Move targets: the mailbox's synced folders.
        let names: Vec<Option<FolderRole>> = c.folders.iter().map(|f| f.role).collect();
        assert!(
            names.contains(&Some(FolderRole::Inbox)) && names.contains(&Some(FolderRole::Sent))
        );
    }
}

/// Walks a scope's pages from the newest; returns the rows in order.
async fn walk(db: &sea_orm::DatabaseConnection, me: &Actor, scope: MailScope) -> Vec<(i64, i64)> {
    let mut seen = Vec::new();
    let mut before: Option<ListCursor> = None;
    for page in 0.. {
        assert!(page < 100, "pages never end");
        let list: MessageList = message_list(db, me, scope, before).await.unwrap();
        assert_eq!(
            list.total.is_some(),
            before.is_none(),
            "counted on page 1 only"
        );
        assert!(list.messages.len() as u64 <= MessageList::PAGE_SIZE);
        seen.extend(list.messages.iter().map(|m| (m.received_at.0, m.id)));
        match list.older {
            Some(cursor) => before = Some(cursor),
            None => break,
        }
    }
    seen
}

#[tokio::test]
async fn keyset_pages_cover_a_folder_once_newest_first_ties_included() {
    let s = stack();
    let user = mail_user("pages");
    seed(&user, 130, "INBOX");
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX", "Sent"]).await;
        assert_eq!(engine(&st).sync_mailbox(id).await, Outcome::Synced);
        let me = owner_of(&t.db, id).await;
        let inbox = folder(&t.db, id, "INBOX").await;
        // Sixty messages received in the same second: pages must split the tie by id.
        let tied: Vec<i64> = message::Entity::find()
            .filter(message::Column::FolderId.eq(inbox.id))
            .all(&t.db)
            .await
            .unwrap()
            .into_iter()
            .take(60)
            .map(|m| m.id)
            .collect();
        let at = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        message::Entity::update_many()
            .col_expr(message::Column::ReceivedAt, Expr::value(at))
            .filter(message::Column::Id.is_in(tied))
            .exec(&t.db)
            .await
            .unwrap();

        let scope = MailScope::Folder {
            mailbox: id,
            folder: inbox.id,
        };
        let rows = walk(&t.db, &me, scope).await;
        assert_eq!(rows.len(), 130, "every message once");
        let mut sorted = rows.clone();
        sorted.sort_by_key(|r| std::cmp::Reverse(*r));
        assert_eq!(rows, sorted, "newest first, ties by id");
        sorted.dedup();
        assert_eq!(sorted.len(), 130, "no message twice");
        // All inboxes: the same messages (one mailbox).
        assert_eq!(walk(&t.db, &me, MailScope::All).await, rows);

        // The tree: roles, and unread counts equal to the rows not seen.
        let unseen = message::Entity::find()
            .filter(message::Column::FolderId.eq(inbox.id))
            .filter(message::Column::Seen.eq(false))
            .all(&t.db)
            .await
            .unwrap()
            .len() as u64;
        let tree = mail_tree(&t.db, &me).await.unwrap();
        let mine = tree.mailboxes.iter().find(|m| m.id == id).unwrap();
        assert_eq!(mine.folders[0].role, Some(FolderRole::Inbox));
        assert_eq!(mine.folders[0].unread, unseen);
        assert!(unseen > 0, "the seed leaves some mail unread");
        assert_eq!(tree.inbox_unread, unseen);
        assert!(
            mine.folders
                .iter()
                .any(|f| f.role == Some(FolderRole::Sent))
        );
    }
}
