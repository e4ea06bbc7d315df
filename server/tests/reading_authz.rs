//! Who may read and act on a shared mailbox, over HTTP against the real router and the
//! real Dovecot, on SQLite and PostgreSQL: every reading and acting server function
//! answers the owner and the grantee; a member the mailbox is not shared with and a user
//! of another workspace get 404 — or, from a list of everything they may read, an answer
//! without the mailbox — and their calls change nothing; signed out, 401.

use crate::common;
use crate::reading_world;

use axum::http::StatusCode;
use reading_world::{Who, World, eml, world};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::Value;
use services::{
    entities::{image_sender, mailbox, message, message_action},
    mail_actions::ActionState,
};

const OK: StatusCode = StatusCode::OK;
const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;
const BOTH: [(Who, StatusCode); 2] = [(Who::Grantee, OK), (Who::Owner, OK)];
const SUBJECTS: [&str; 3] = [
    "Zebra quarterly figures",
    "Invoice 2211 for the desk",
    "Delivery note 77",
];

/// One call of the matrix.
struct Call {
    endpoint: &'static str,
    form: Vec<(&'static str, String)>,
    /// What a user who may not read the mailbox gets: 404, or (a list of everything
    /// they may read) 200 without the mailbox in it.
    refused: StatusCode,
    /// What the readers get, asked in this order.
    readers: Vec<(Who, StatusCode)>,
    /// A reader's answer names the mailbox (and, from a list, the outsider's answer
    /// names their own).
    shows: bool,
}

fn call(endpoint: &'static str, form: &[(&'static str, String)], refused: StatusCode) -> Call {
    Call {
        endpoint,
        form: form.to_vec(),
        refused,
        readers: BOTH.to_vec(),
        shows: false,
    }
}

impl Call {
    fn shows(self) -> Call {
        Call {
            shows: true,
            ..self
        }
    }

    fn readers(self, readers: &[(Who, StatusCode)]) -> Call {
        Call {
            readers: readers.to_vec(),
            ..self
        }
    }
}

/// The answer names mailbox `id`: a row of it (`mailbox_id`) or its place in the tree.
fn mentions(value: &Value, id: i64) -> bool {
    match value {
        Value::Object(map) => {
            map.get("mailbox_id").and_then(Value::as_i64) == Some(id)
                || (map.contains_key("email") && map.get("id").and_then(Value::as_i64) == Some(id))
                || map.values().any(|v| mentions(v, id))
        }
        Value::Array(items) => items.iter().any(|v| mentions(v, id)),
        _ => false,
    }
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or(Value::Null)
}

/// Everything a refused call could have changed: messages (flags, folder), queued and
/// failed write-backs, image permissions, mailboxes (sync requests).
#[derive(Debug, PartialEq)]
struct Snapshot {
    messages: Vec<message::Model>,
    actions: Vec<message_action::Model>,
    image_senders: Vec<image_sender::Model>,
    mailboxes: Vec<mailbox::Model>,
}

async fn snapshot(w: &World) -> Snapshot {
    let db = &w.state.db;
    Snapshot {
        messages: rows::<message::Entity>(db, message::Column::Id).await,
        actions: rows::<message_action::Entity>(db, message_action::Column::Id).await,
        image_senders: rows::<image_sender::Entity>(db, image_sender::Column::UserId).await,
        mailboxes: rows::<mailbox::Entity>(db, mailbox::Column::Id).await,
    }
}

/// Every row of a table, in the order of `by`.
async fn rows<E: EntityTrait>(db: &DatabaseConnection, by: E::Column) -> Vec<E::Model> {
    E::find().order_by_asc(by).all(db).await.unwrap()
}

/// Write-backs that failed: four queued by the owner on `message` (flag, unflag, …) and
/// one by the outsider on their own message, then marked failed (no worker runs here).
async fn failures(w: &mut World, message: i64, own: i64) -> Vec<i64> {
    for n in 0..4 {
        let action = if n % 2 == 0 { "flag" } else { "unflag" };
        let form = [("ids[0]", message.to_string()), ("action", action.into())];
        act(w.client(Who::Owner), &form).await;
    }
    let form = [("ids[0]", own.to_string()), ("action", "flag".into())];
    act(w.client(Who::Outsider), &form).await;
    message_action::Entity::update_many()
        .set(message_action::ActiveModel {
            state: Set(ActionState::Failed),
            last_error: Set(Some("The server refused the change".into())),
            failed_at: Set(Some(chrono::Utc::now())),
            ..Default::default()
        })
        .exec(&w.state.db)
        .await
        .unwrap();
    message_action::Entity::find()
        .filter(message_action::Column::MailboxId.eq(w.mailbox))
        .order_by_asc(message_action::Column::Id)
        .all(&w.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect()
}

async fn act(client: &mut common::Client, form: &[(&str, String)]) {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = client.post("act_on_messages", &form).await;
    assert_eq!(status, OK, "{body}");
}

/// Every reading and acting function, in an order whose effects on readers are known.
fn matrix(w: &World, ids: &[i64], failed: &[i64], own: i64) -> Vec<Call> {
    let id = |n: usize| ids[n].to_string();
    let q = || ("q", "zebra".to_owned());
    let m = || ("mailbox", w.mailbox.to_string());
    let f = || ("folder", w.inbox.to_string());
    let act = |ids: &[String], action: &str| {
        let mut form: Vec<(&'static str, String)> = ["ids[0]", "ids[1]"]
            .into_iter()
            .zip(ids.iter().cloned())
            .collect();
        form.push(("action", action.to_owned()));
        form
    };
    let failure = |n: usize| [("id", failed[n].to_string())];
    let mut to_trash = act(&[id(1)], "move");
    to_trash.push(("folder", w.trash.to_string()));
    let mut elsewhere = act(&[id(0)], "move");
    elsewhere.push(("folder", w.own_inbox.to_string()));
    vec![
        call("mail_tree", &[], OK).shows(),
        call("message_list", &[], OK).shows(),
        call("message_list", &[m()], NOT_FOUND).shows(),
        call("message_list", &[m(), f()], NOT_FOUND).shows(),
        call(
            "message_list",
            &[m(), f(), ("before", format!("4102444800.{}", ids[0]))],
            NOT_FOUND,
        )
        .shows(),
        call("search_mail", &[q()], OK).shows(),
        call("search_mail", &[q(), m()], NOT_FOUND).shows(),
        call("search_mail", &[q(), m(), f()], NOT_FOUND).shows(),
        // The grantee opens it first: that marks it read.
        call("conversation", &[("id", id(0))], NOT_FOUND).shows(),
        call("allow_images", &[("id", id(0))], NOT_FOUND),
        call("act_on_messages", &act(&[id(1)], "flag"), NOT_FOUND),
        call("act_on_messages", &act(&[id(1), id(2)], "read"), NOT_FOUND),
        // With one message of another mailbox, a selection changes nothing, whoever asks.
        call(
            "act_on_messages",
            &act(&[own.to_string(), id(1)], "flag"),
            NOT_FOUND,
        )
        .readers(&[(Who::Owner, NOT_FOUND)]),
        // Not into another user's folder, even for the owner of the message.
        call("act_on_messages", &elsewhere, NOT_FOUND)
            .readers(&[(Who::Owner, StatusCode::BAD_REQUEST)]),
        call("act_on_messages", &to_trash, NOT_FOUND).readers(&[(Who::Grantee, OK)]),
        call("action_failures", &[], OK).shows(),
        call("retry_action", &failure(0), NOT_FOUND).readers(&[(Who::Grantee, OK)]),
        call("retry_action", &failure(1), NOT_FOUND).readers(&[(Who::Owner, OK)]),
        call("dismiss_action", &failure(2), NOT_FOUND).readers(&[(Who::Grantee, OK)]),
        call("dismiss_action", &failure(3), NOT_FOUND).readers(&[(Who::Owner, OK)]),
        call("sync_progress", &[m()], NOT_FOUND).shows(),
        // The refused requests start no cooldown: the owner's is the first.
        call(
            "resync_from",
            &[m(), ("date", "2026-11-01".into())],
            NOT_FOUND,
        )
        .readers(&[(Who::Owner, OK)]),
        call("sync_now", &[m()], NOT_FOUND)
            .readers(&[(Who::Grantee, StatusCode::TOO_MANY_REQUESTS)]),
    ]
}

async fn post(w: &mut World, who: Who, c: &Call) -> (StatusCode, String) {
    let form: Vec<(&str, &str)> = c.form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    w.client(who).post(c.endpoint, &form).await
}

#[tokio::test]
async fn every_reading_and_acting_function_refuses_who_may_not_read() {
    for backend in ["sqlite", "postgres"] {
        let shared: Vec<Vec<u8>> = SUBJECTS
            .iter()
            .map(|s| eml(s, "The zebra count is in."))
            .collect();
        let own = [eml("Outsider's own zebra", "Their own zebra.")];
        let mut w = world(backend, &shared, &own).await;
        let mut ids = Vec::new();
        for subject in SUBJECTS {
            let row = w.message(subject).await;
            assert!(
                !row.seen && !row.flagged,
                "{backend}: {subject} starts unread"
            );
            ids.push(row.id);
        }
        let own = w.message("Outsider's own zebra").await.id;
        let failed = failures(&mut w, ids[2], own).await;
        assert_eq!(failed.len(), 4, "{backend}: {failed:?}");

        for c in matrix(&w, &ids, &failed, own) {
            let what = format!("{backend} {} {:?}", c.endpoint, c.form);
            let (status, body) = post(&mut w, Who::SignedOut, &c).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "signed out, {what}: {body}"
            );
            let before = snapshot(&w).await;
            for who in [Who::Outsider, Who::Stranger] {
                let (status, body) = post(&mut w, who, &c).await;
                assert_eq!(status, c.refused, "{who:?}, {what}: {body}");
                assert!(
                    !mentions(&json(&body), w.mailbox),
                    "{who:?}, {what}: {body}"
                );
                for subject in SUBJECTS {
                    assert!(!body.contains(subject), "{who:?}, {what}: {body}");
                }
                if who == Who::Outsider && c.refused == OK && c.shows {
                    let own = w.own_mailbox;
                    assert!(mentions(&json(&body), own), "their own, {what}: {body}");
                }
            }
            assert!(
                snapshot(&w).await == before,
                "{what}: a refused call changed something"
            );
            for (who, expected) in &c.readers {
                let (status, body) = post(&mut w, *who, &c).await;
                assert_eq!(status, *expected, "{who:?}, {what}: {body}");
                if c.shows {
                    assert!(mentions(&json(&body), w.mailbox), "{who:?}, {what}: {body}");
                }
            }
        }

        // What the readers did took effect (so "unchanged" above could have failed).
        let opened = w.message(SUBJECTS[0]).await;
        assert!(opened.seen, "{backend}: opening marked it read");
        let moved = w.message(SUBJECTS[1]).await;
        assert!(moved.seen && moved.flagged, "{backend}: {moved:?}");
        assert_eq!(moved.folder_id, w.trash, "{backend}: moved to Trash");
        let allowed = image_sender::Entity::find().all(&w.state.db).await.unwrap();
        assert_eq!(
            allowed.len(),
            2,
            "{backend}: owner and grantee: {allowed:?}"
        );
        let left = message_action::Entity::find()
            .filter(message_action::Column::State.eq(ActionState::Failed.as_str()))
            .filter(message_action::Column::MailboxId.eq(w.mailbox))
            .all(&w.state.db)
            .await
            .unwrap();
        assert!(left.is_empty(), "{backend}: retried or dismissed: {left:?}");
    }
}
