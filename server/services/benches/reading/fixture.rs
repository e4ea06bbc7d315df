//! The mailbox the bench reads: a workspace signed up through the service, one mailbox
//! row (no IMAP behind it: the server runs with sync off), INBOX and Sent, and N messages
//! inserted straight into `messages` in large transactions (syncing 100,000 real messages
//! would take far longer than the bench). The search index fills from its triggers.

use super::schedule_fixtures::mailboxes_due_at;
use super::text::{Rng, Vocabulary, person};
use chrono::{DateTime, Duration, Utc};
use domain::Plan;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use services::{
    accounts::Actor,
    entities::{mailbox, mailbox_folder, message, user},
    sync::{
        parse::{AttachmentInfo, Person},
        store::BodyState,
    },
};
use std::time::Instant;

/// The password `schedule_fixtures` signs its owner up with.
pub const PASSWORD: &str = "correct horse";
/// Share of the messages in Sent (replies in the threads); the rest are in INBOX.
const SENT_SHARE: f64 = 0.10;
/// The mail spans this many days before the seeding moment.
const SPAN_DAYS: i64 = 730;
const ROWS_PER_STATEMENT: usize = 400;
const ROWS_PER_TRANSACTION: usize = 10_000;

/// What the scenarios pick from.
pub struct Fixture {
    pub email: String,
    pub actor: Actor,
    pub mailbox: i64,
    pub inbox: i64,
    pub inbox_count: usize,
    pub sent_count: usize,
    /// Every INBOX message's keyset position `(received_at seconds, id)`, newest first.
    pub cursors: Vec<(i64, i64)>,
    /// Every message id of the mailbox.
    pub ids: Vec<i64>,
    pub vocabulary: Vocabulary,
    pub seed_s: f64,
}

/// A workspace and its mailbox (`schedule_fixtures`: a signed-up owner, a mailbox row
/// with nothing behind it, not due for years), its folders, and `n` messages.
pub async fn prepare(db: &DatabaseConnection, n: usize) -> Fixture {
    let far = Utc::now() + Duration::days(3650);
    let mailbox = mailboxes_due_at(db, 1, Plan::Free, |_| far).await[0];
    let owner = mailbox::Entity::find_by_id(mailbox)
        .one(db)
        .await
        .expect("mailbox")
        .expect("mailbox row")
        .owner_id;
    let actor = Actor::load(db, owner).await.expect("actor");
    let email = user::Entity::find_by_id(owner)
        .one(db)
        .await
        .expect("owner")
        .expect("owner row")
        .email;
    let inbox = add_folder(db, mailbox, "INBOX", None).await;
    let sent = add_folder(db, mailbox, "Sent", Some("\\Sent")).await;
    let vocabulary = Vocabulary::new(20_000);
    let t0 = Instant::now();
    let (inbox_count, sent_count) =
        insert_messages(db, &vocabulary, mailbox, [inbox, sent], n).await;
    let seed_s = t0.elapsed().as_secs_f64();
    // What a sync records of each folder: the list shows this size (no count of rows).
    for (folder, count) in [(inbox, inbox_count), (sent, sent_count)] {
        mailbox_folder::Entity::update_many()
            .col_expr(
                mailbox_folder::Column::InRange,
                i32::try_from(count).expect("count").into(),
            )
            .filter(mailbox_folder::Column::Id.eq(folder))
            .exec(db)
            .await
            .expect("folder size");
    }
    let cursors: Vec<(DateTime<Utc>, i64)> = message::Entity::find()
        .select_only()
        .column(message::Column::ReceivedAt)
        .column(message::Column::Id)
        .filter(message::Column::FolderId.eq(inbox))
        .order_by_desc(message::Column::ReceivedAt)
        .order_by_desc(message::Column::Id)
        .into_tuple()
        .all(db)
        .await
        .expect("cursors");
    let ids = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::MailboxId.eq(mailbox))
        .into_tuple()
        .all(db)
        .await
        .expect("ids");
    Fixture {
        email,
        actor,
        mailbox,
        inbox,
        inbox_count,
        sent_count,
        cursors: cursors
            .into_iter()
            .map(|(at, id)| (at.timestamp(), id))
            .collect(),
        ids,
        vocabulary,
        seed_s,
    }
}

async fn add_folder(
    db: &DatabaseConnection,
    mailbox: i64,
    name: &str,
    special: Option<&str>,
) -> i64 {
    let row = mailbox_folder::ActiveModel {
        id: NotSet,
        mailbox_id: Set(mailbox),
        name: Set(name.into()),
        display_name: Set(name.into()),
        depth: Set(0),
        special_use: Set(special.map(str::to_owned)),
        selected: Set(true),
        uidvalidity: Set(Some(1)),
        uidnext: Set(None),
        highest_modseq: Set(None),
        server_exists: Set(None),
        synced_range: Set(None),
        in_range: Set(0),
        headers_done: Set(0),
        bodies_done: Set(0),
        phase: Set(Some(domain::SyncPhase::Done)),
        last_error: Set(None),
    };
    mailbox_folder::Entity::insert(row)
        .exec(db)
        .await
        .expect("folder row")
        .last_insert_id
}

/// A thread the generator may add to: its id, subject, and the last Message-ID.
struct Thread {
    id: String,
    subject: String,
    last: String,
}

/// Inserts `n` messages oldest first over [`SPAN_DAYS`]; returns (INBOX, Sent) counts.
async fn insert_messages(
    db: &DatabaseConnection,
    words: &Vocabulary,
    mailbox: i64,
    [inbox, sent]: [i64; 2],
    n: usize,
) -> (usize, usize) {
    let mut rng = Rng::new(20_261_130);
    let now = Utc::now().timestamp();
    let start = now - SPAN_DAYS * 86_400;
    let step = (SPAN_DAYS * 86_400) as f64 / n.max(1) as f64;
    let mut threads: Vec<Thread> = Vec::new();
    let mut uids = [0i64; 2];
    let mut rows = Vec::with_capacity(ROWS_PER_TRANSACTION);
    for i in 0..n {
        // Whole seconds: the list cursor carries seconds.
        let at = start + (i as f64 * step) as i64 + rng.below(step.max(1.0) as usize) as i64;
        let at = DateTime::from_timestamp(at.min(now), 0).unwrap_or_default();
        let in_sent = rng.chance(SENT_SHARE);
        let slot = usize::from(in_sent);
        uids[slot] += 1;
        let own_id = format!("<m{i}.{}@bench-reading.test>", rng.next() % 100_000);
        let reply = !threads.is_empty() && (in_sent || rng.chance(0.35));
        let (thread_id, subject, in_reply_to) = if reply {
            let t = threads.len() - 1 - rng.below(threads.len().min(200));
            let thread = &mut threads[t];
            let parent = std::mem::replace(&mut thread.last, own_id.clone());
            (
                thread.id.clone(),
                format!("Re: {}", thread.subject),
                Some(parent),
            )
        } else {
            let len = 3 + rng.below(6);
            let subject = words.sentence(&mut rng, len);
            threads.push(Thread {
                id: own_id.clone(),
                subject: subject.clone(),
                last: own_id.clone(),
            });
            (own_id.clone(), subject, None)
        };
        let (from_name, from_address) = if in_sent {
            ("Olena from Acme".to_owned(), "sales@acme.com".to_owned())
        } else {
            person(&mut rng)
        };
        let to = if in_sent {
            person(&mut rng)
        } else {
            ("Sales".into(), "sales@acme.com".into())
        };
        let cc: Vec<Person> = (0..usize::from(rng.chance(0.2)) * (1 + rng.below(3)))
            .map(|_| {
                let (name, address) = person(&mut rng);
                Person { name, address }
            })
            .collect();
        let len = 40 + rng.zipf(400);
        let text = words.body(&mut rng, len);
        let html = rng
            .chance(0.4)
            .then(|| format!("<div><p>{}</p></div>", text.replace('\n', "<br>\n")));
        let attachments: Vec<AttachmentInfo> = if rng.chance(0.15) {
            vec![AttachmentInfo {
                name: format!("{}.pdf", words.sentence(&mut rng, 1)),
                content_type: "application/pdf".into(),
                size: 20_000 + rng.below(2_000_000) as u64,
                part: 2,
            }]
        } else {
            Vec::new()
        };
        let recent = now - at.timestamp() < 30 * 86_400;
        let seen = in_sent || rng.chance(if recent { 0.4 } else { 0.97 });
        let body_bytes = (text.len() + html.as_ref().map_or(0, String::len)) as i64;
        rows.push(message::ActiveModel {
            id: NotSet,
            mailbox_id: Set(mailbox),
            folder_id: Set(if in_sent { sent } else { inbox }),
            uidvalidity: Set(1),
            uid: Set(uids[slot]),
            message_id: Set(Some(own_id)),
            thread_id: Set(thread_id),
            references: Set(in_reply_to.clone().unwrap_or_default()),
            in_reply_to: Set(in_reply_to),
            subject: Set(subject),
            from_name: Set(from_name),
            from_address: Set(from_address),
            to_list: Set(message::People(vec![Person {
                name: to.0,
                address: to.1,
            }])),
            cc_list: Set(message::People(cc)),
            reply_to: Set(message::People::default()),
            sent_at: Set(Some(at - Duration::seconds(rng.below(600) as i64))),
            received_at: Set(at),
            size: Set(body_bytes + 1_500),
            seen: Set(seen),
            flagged: Set(rng.chance(0.03)),
            answered: Set(false),
            draft: Set(false),
            body_state: Set(BodyState::Stored),
            snippet: Set(text.chars().filter(|c| *c != '\n').take(140).collect()),
            text_body: Set(Some(text)),
            html_body: Set(html),
            attachments: Set(message::Attachments(attachments)),
            body_bytes: Set(body_bytes),
            automated: Set(false),
            crm_checked: Set(false),
        });
        if rows.len() == ROWS_PER_TRANSACTION || i + 1 == n {
            write(db, std::mem::take(&mut rows)).await;
        }
    }
    (uids[0] as usize, uids[1] as usize)
}

/// One transaction, many multi-row INSERTs.
async fn write(db: &DatabaseConnection, rows: Vec<message::ActiveModel>) {
    let txn = db.begin().await.expect("begin");
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        message::Entity::insert_many(chunk)
            .exec(&txn)
            .await
            .expect("insert messages");
    }
    txn.commit().await.expect("commit");
}
