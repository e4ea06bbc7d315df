//! Search over synced mail on SQLite (FTS5) and PostgreSQL (tsvector): sender, recipients,
//! subject and body; word prefixes in any case, Cyrillic and Latin; folder, mailbox and
//! all-mailbox scopes with the same access as reading; the index follows inserts, body
//! updates, moves and deletes by itself; hostile queries are plain words.

use crate::common;
use crate::search_bench;
use crate::search_fixtures;

use common::{mail_stack::stack, sync_fixtures::*};
use domain::{MailScope, Plan, SearchResults};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use search_fixtures::*;
use services::{
    ServiceError,
    accounts::Actor,
    entities::{mailbox, mailbox_folder, message},
    mail_view::search::search_messages,
    mailboxes, plan,
    sync::schedule::Outcome,
};

const ALL: MailScope = MailScope::All;
const NONE: &[i64] = &[];

#[tokio::test]
async fn finds_mail_by_sender_recipients_subject_and_body() {
    each_world(async |w| {
        let [invoice, report, lunch] = w.correspondence().await;
        #[rustfmt::skip]
        w.expect(&w.owner, ALL, &[
            ("Олена", &[invoice]),
            ("olena@shop.ua", &[invoice]),
            ("shop", &[invoice]),
            ("kowalska", &[invoice]),
            ("anna@acme.com", &[lunch, invoice]),
            ("bohdan", &[invoice]),
            ("dmytro@zelen.ua", &[report]),
            ("quarterly", &[report]),
            ("пʼятниці", &[invoice]),
            ("lunch", &[lunch]),
            ("рахунок", &[invoice]),
            ("РАХУНОК", &[invoice]),
            ("рах", &[invoice]),
            ("р", &[invoice]),
            ("17", &[invoice]),
            ("invoice", &[report]),
            ("2026", &[report]),
            ("invoice-20", &[report]),
            ("  anna   pizza ", &[lunch]),
            ("anna quarterly", NONE),
            ("xylophone", NONE),
            // The JSON keys of the recipient lists are not words of the message.
            ("address", NONE),
            ("name", NONE),
        ]).await;
        let results = search_messages(w.db(), &w.owner, ALL, "anna")
            .await
            .unwrap();
        assert!(!results.more);
        assert_eq!(results.messages[1].subject, "Рахунок №17");
        assert_eq!(results.messages[1].from_name, "Олена Петренко");
        if w.backend == "postgres" {
            // An HTML-only body is indexed without its tags (SQLite indexes the text part,
            // which sync derives from the HTML when a message has no text part).
            let html = Mail {
                html: Some("<div class=\"kiwi\"><p>Hidden<b>treasure</b></p></div>"),
                ..Mail::titled("html only", 4)
            };
            let html = put(w.db(), w.own, w.inbox, html).await;
            w.expect(&w.owner, ALL, &[("treasure", &[html]), ("kiwi", NONE)])
                .await;
        }
    })
    .await;
}

#[tokio::test]
async fn searches_a_folder_a_mailbox_or_every_readable_mailbox() {
    each_world(async |w| {
        let alpha = w.titled(w.own, w.inbox, "budget alpha", 1).await;
        let beta = w.titled(w.own, w.sent, "budget beta", 2).await;
        let gamma = w.titled(w.shared, w.shared_inbox, "budget gamma", 3).await;
        let me = &w.owner;
        w.expect(me, in_folder(w.own, w.inbox), &[("budget", &[alpha])])
            .await;
        w.expect(me, in_folder(w.own, w.sent), &[("budget", &[beta])])
            .await;
        let own = MailScope::Mailbox(w.own);
        w.expect(me, own, &[("budget", &[beta, alpha])]).await;
        w.expect(me, ALL, &[("budget", &[gamma, beta, alpha])])
            .await;
        // A folder of another mailbox, or a mailbox that does not exist, is not found.
        for scope in [
            in_folder(w.own, w.shared_inbox),
            MailScope::Mailbox(w.own + 1000),
        ] {
            let err = w.refused(me, scope, "budget").await;
            assert!(matches!(err, ServiceError::NotFound), "{err:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn strangers_find_nothing_and_grantees_find_the_shared_mail() {
    each_world(async |w| {
        let secret = w.titled(w.own, w.inbox, "secret plan", 1).await;
        let shared = w.titled(w.shared, w.shared_inbox, "shared plan", 2).await;
        let theirs = w
            .titled(w.strangers, w.strangers_inbox, "their plan", 3)
            .await;
        let not_found = |e: ServiceError| matches!(e, ServiceError::NotFound);
        let (own, shared_box) = (MailScope::Mailbox(w.own), MailScope::Mailbox(w.shared));
        for scope in [own, shared_box, in_folder(w.own, w.inbox)] {
            assert!(not_found(w.refused(&w.stranger, scope, "plan").await));
        }
        w.expect(&w.stranger, ALL, &[("plan", &[theirs])]).await;
        // The grantee reads the shared mailbox, not the owner's personal one.
        let g = &w.grantee;
        w.expect(g, shared_box, &[("plan", &[shared])]).await;
        w.expect(g, ALL, &[("plan", &[shared])]).await;
        assert!(not_found(w.refused(g, own, "plan").await));
        w.expect(&w.owner, ALL, &[("plan", &[shared, secret])])
            .await;
        // A user with no mailbox at all finds nothing.
        let lonely = common::mailbox_fixtures::member(w.db(), &w.owner, "new@acme.test").await;
        w.expect(&lonely, ALL, &[("plan", NONE)]).await;
        // On the Free plan sharing is suspended: the grantee finds nothing, the owner
        // still finds their mail.
        plan::set_plan(w.db(), &w.owner, Plan::Free).await.unwrap();
        w.expect(g, ALL, &[("plan", NONE)]).await;
        assert!(not_found(w.refused(g, shared_box, "plan").await));
        w.expect(&w.owner, ALL, &[("plan", &[shared, secret])])
            .await;
    })
    .await;
}

#[tokio::test]
async fn the_index_follows_changes_and_deletes() {
    each_world(async |w| {
        let (db, me) = (w.db(), &w.owner);
        // Headers first, the body later: the way sync stores a message.
        let id = w.titled(w.own, w.inbox, "ephemeral kiwi", 1).await;
        w.expect(me, ALL, &[("kiwi", &[id]), ("papaya", NONE)])
            .await;
        let row = message::Entity::find_by_id(id).one(db).await.unwrap();
        let mut row = row.unwrap().into_active_model();
        row.subject = Set("durable mango".into());
        row.text_body = Set(Some("Papaya salad recipe".into()));
        let row = row.update(db).await.unwrap();
        w.expect(me, ALL, &[("kiwi", NONE), ("mango papaya", &[id])])
            .await;
        // A flag change leaves the index as it was; a move takes the message to its new
        // folder (a write-back action moves the row before the server does).
        let mut seen = row.into_active_model();
        seen.seen = Set(true);
        let mut moved = seen.update(db).await.unwrap().into_active_model();
        w.expect(me, ALL, &[("mango", &[id])]).await;
        moved.folder_id = Set(w.sent);
        moved.update(db).await.unwrap();
        w.expect(me, in_folder(w.own, w.inbox), &[("mango", NONE)])
            .await;
        w.expect(me, in_folder(w.own, w.sent), &[("mango", &[id])])
            .await;
        message::Entity::delete_by_id(id).exec(db).await.unwrap();
        w.expect(me, ALL, &[("mango", NONE)]).await;

        // Removing a folder or disconnecting a mailbox takes their mail along.
        w.titled(w.own, w.sent, "folder grape", 2).await;
        w.titled(w.shared, w.shared_inbox, "mailbox grape", 3).await;
        let kept = w.titled(w.own, w.inbox, "inbox grape", 4).await;
        let folder = mailbox_folder::Entity::delete_by_id(w.sent);
        folder.exec(db).await.unwrap();
        mailboxes::disconnect(&w.st, me, w.shared).await.unwrap();
        let gone = mailbox::Entity::find_by_id(w.shared).one(db).await.unwrap();
        assert!(gone.is_none());
        w.expect(me, ALL, &[("grape", &[kept])]).await;
        let left = search_bench::indexed(db).await;
        assert_eq!(left, 1, "{}: the index keeps no deleted mail", w.backend);
    })
    .await;
}

#[tokio::test]
async fn hostile_queries_neither_fail_nor_match_everything() {
    each_world(async |w| {
        let apple = w.titled(w.own, w.inbox, "apple orange", 1).await;
        w.titled(w.own, w.inbox, "banana", 2).await;
        #[rustfmt::skip]
        w.expect(&w.owner, ALL, &[
            ("apple OR banana", NONE),
            ("apple NOT banana", NONE),
            ("NEAR(apple banana)", NONE),
            ("NEAR", NONE),
            ("subject:apple", NONE),
            ("place:m1", NONE),
            ("\"apple\" \"banana\"", NONE),
            ("apple AND banana", NONE),
            ("'; DROP TABLE messages; --", NONE),
            ("a'b\\c", NONE),
            ("a:* | b:* & !c", NONE),
            ("'apple':*", &[apple]),
            ("apple*", &[apple]),
            ("(apple", &[apple]),
            ("-apple^", &[apple]),
            ("\"apple", &[apple]),
            ("{apple}", &[apple]),
        ]).await;
        let long = "a".repeat(201);
        let eleven = ["word"; 11].join(" ");
        for query in ["", "   ", "*", "\" ( ) : *", "'", "%_", &long, &eleven] {
            let err = w.refused(&w.owner, ALL, query).await;
            let invalid = matches!(err, ServiceError::Invalid { field: "query", .. });
            assert!(invalid, "{}: {query:?}: {err:?}", w.backend);
        }
        let kept = search_bench::indexed(w.db()).await;
        assert_eq!(kept, 2, "{}: nothing was dropped", w.backend);
    })
    .await;
}

#[tokio::test]
async fn at_most_100_results_newest_first_and_whether_more_matched() {
    each_world(async |w| {
        // Stored out of date order, as a sync of several folders does: the list order is
        // the date's, not the order of arrival in the database.
        let mut dated = Vec::new();
        for i in 0..101 {
            let at = (i * 37) % 101;
            dated.push((at, w.titled(w.own, w.inbox, "bulk notice", at).await));
        }
        dated.sort_by(|a, b| b.cmp(a));
        let newest_first: Vec<i64> = dated.into_iter().map(|(_, id)| id).collect();
        let results = search_messages(w.db(), &w.owner, ALL, "bulk")
            .await
            .unwrap();
        let got: Vec<i64> = results.messages.iter().map(|m| m.id).collect();
        assert_eq!(got.len() as u64, SearchResults::LIMIT, "{}", w.backend);
        assert_eq!(got, newest_first[..100], "{}", w.backend);
        assert!(results.more, "{}", w.backend);
        let newest = message::Entity::delete_by_id(newest_first[0]);
        newest.exec(w.db()).await.unwrap();
        let results = search_messages(w.db(), &w.owner, ALL, "bulk")
            .await
            .unwrap();
        assert_eq!(results.messages.len(), 100, "{}", w.backend);
        assert!(!results.more, "{}", w.backend);
    })
    .await;
}

#[tokio::test]
async fn synced_mail_is_found_by_its_body() {
    let s = stack();
    let user = mail_user("search");
    let plain = "From: Olena <olena@shop.test>\r\nTo: buyer@example.test\r\nSubject: Нагадування\r\n\
                 \r\nРахунок №42 за ксилофон, сплатіть до п'ятниці.\r\n";
    let html = "From: Shop <shop@shop.test>\r\nTo: buyer@example.test\r\nSubject: Receipt\r\n\
                Content-Type: text/html; charset=utf-8\r\n\r\n\
                <html><body><p>Zebra <b>crossing</b> ahead</p></body></html>\r\n";
    let mut other = other_client(&s, &user).await;
    for raw in [plain, html] {
        let appended = other.append("INBOX", None, None, raw.as_bytes()).await;
        appended.unwrap();
    }
    other.logout().await.ok();
    for t in common::databases().await {
        let st = common::mailbox_fixtures::state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let b = t.backend;
        assert_eq!(engine(&st).sync_mailbox(id).await, Outcome::Synced, "{b}");
        let mailbox = mailbox::Entity::find_by_id(id).one(&t.db).await.unwrap();
        let me = Actor::load(&t.db, mailbox.unwrap().owner_id).await.unwrap();
        let scope = in_folder(id, folder(&t.db, id, "INBOX").await.id);
        let subjects = async |q: &str| -> Vec<String> {
            let found = search_messages(&t.db, &me, scope, q).await.unwrap();
            let mut subjects: Vec<String> = found.messages.into_iter().map(|m| m.subject).collect();
            subjects.sort();
            subjects
        };
        // Sync stores headers, then the bodies in a later UPDATE: both reach the index.
        assert_eq!(subjects("ксилоф").await, ["Нагадування"], "{b}");
        assert_eq!(subjects("рахунок 42").await, ["Нагадування"], "{b}");
        assert_eq!(subjects("zebra crossing").await, ["Receipt"], "{b}");
        assert_eq!(subjects("olena@shop.test").await, ["Нагадування"], "{b}");
        assert_eq!(subjects("buyer").await, ["Receipt", "Нагадування"], "{b}");
    }
}

#[tokio::test]
async fn the_migration_indexes_mail_already_there_and_undoes_itself() {
    each_world(async |w| {
        let before = w.titled(w.own, w.inbox, "walnut before", 1).await;
        let own = crate::common::own_connection(&w.url).await;
        search_bench::migration(&own, false).await;
        let gone = search_messages(w.db(), &w.owner, ALL, "walnut").await;
        assert!(gone.is_err(), "{}: the index is gone", w.backend);
        let unindexed = w.titled(w.own, w.inbox, "walnut unindexed", 2).await;
        search_bench::migration(&own, true).await;
        own.close().await.unwrap();
        let after = w.titled(w.own, w.inbox, "walnut after", 3).await;
        w.expect(&w.owner, ALL, &[("walnut", &[after, unindexed, before])])
            .await;
    })
    .await;
}

/// `cargo test -p services --test mail_search -- --ignored --nocapture`: what the triggers
/// add to storing 10,000 messages, and search times on a 100,000-message mailbox.
#[tokio::test]
#[ignore]
async fn figures_trigger_cost_and_search_latency() {
    each_world(async |w| {
        search_bench::trigger_cost(w.db(), w.backend, w.own, w.inbox, w.sent).await;
        search_bench::latency(w.db(), w.backend, &w.owner, w.shared, w.shared_inbox).await;
    })
    .await;
}
