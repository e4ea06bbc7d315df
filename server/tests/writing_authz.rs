//! Who may write from a shared mailbox and whose drafts are whose, over HTTP against the
//! real router and the real Dovecot, on SQLite and PostgreSQL: the owner and the grantee
//! start drafts from it (new, reply, forward); a draft answers only its author; a member
//! the mailbox is not shared with and a user of another workspace get 404, cannot point
//! their own draft's From at it, see none of its correspondents, and change nothing;
//! signed out, 401. Only the owner sets the signature.

// The reading matrix's world; its folders are not needed here.
#[allow(dead_code)]
use crate::reading_world;

use axum::http::StatusCode;
use reading_world::{Who, World, eml, world};
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};
use serde_json::Value;
use services::entities::{draft, mailbox};

const OK: StatusCode = StatusCode::OK;
const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or(Value::Null)
}

async fn post(
    w: &mut World,
    who: Who,
    endpoint: &str,
    form: &[(&str, String)],
) -> (StatusCode, String) {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    w.client(who).post(endpoint, &form).await
}

/// A draft started by `who` (any 2xx/3xx answer carries the id as JSON).
async fn started(w: &mut World, who: Who, form: &[(&str, String)]) -> i64 {
    let (status, body) = post(w, who, "start_draft", form).await;
    assert!(
        status.is_success() || status.is_redirection(),
        "{who:?} starts a draft {form:?}: {status} {body}"
    );
    json(&body)
        .as_i64()
        .unwrap_or_else(|| panic!("{who:?}: no draft id in {body:?}"))
}

/// Everything a refused call could change: drafts and mailboxes (signatures).
#[derive(Debug, PartialEq)]
struct Snapshot {
    drafts: Vec<draft::Model>,
    mailboxes: Vec<mailbox::Model>,
}

async fn snapshot(db: &DatabaseConnection) -> Snapshot {
    Snapshot {
        drafts: draft::Entity::find()
            .order_by_asc(draft::Column::Id)
            .all(db)
            .await
            .unwrap(),
        mailboxes: mailbox::Entity::find()
            .order_by_asc(mailbox::Column::Id)
            .all(db)
            .await
            .unwrap(),
    }
}

fn fields(mailbox: i64, draft: i64) -> Vec<(&'static str, String)> {
    vec![
        ("draft", draft.to_string()),
        ("mailbox", mailbox.to_string()),
        ("to", "bob@example.test".into()),
        ("subject", "Zebra figures".into()),
        ("body", "The zebra count is in.".into()),
    ]
}

#[tokio::test]
async fn every_writing_function_answers_only_who_may_write() {
    for backend in ["sqlite", "postgres"] {
        let shared = [eml("Zebra quarterly figures", "The zebra count is in.")];
        let own = [eml("Outsider's own zebra", "Their own zebra.")];
        let mut w = world(backend, &shared, &own).await;
        let m = w.mailbox;
        let message = w.message("Zebra quarterly figures").await.id;
        let new = |mailbox: i64| vec![("kind", "new".to_owned()), ("mailbox", mailbox.to_string())];
        let reply = vec![
            ("kind", "reply".to_owned()),
            ("message", message.to_string()),
        ];

        // Starting: the owner and the grantee may, from the mailbox and from its mail.
        let owners = started(&mut w, Who::Owner, &new(m)).await;
        let grantees = started(&mut w, Who::Grantee, &reply).await;
        let own_mailbox = w.own_mailbox;
        let outsiders = started(&mut w, Who::Outsider, &new(own_mailbox)).await;
        let forward = vec![
            ("kind", "forward".to_owned()),
            ("message", message.to_string()),
        ];
        started(&mut w, Who::Grantee, &forward).await;

        let before = snapshot(&w.state.db).await;
        let refused: Vec<(&str, Vec<(&str, String)>)> = vec![
            ("start_draft", new(m)),
            ("start_draft", reply.clone()),
            ("start_draft", forward.clone()),
            ("compose", vec![("draft", owners.to_string())]),
            ("compose", vec![("draft", grantees.to_string())]),
            ("save_draft", fields(m, owners)),
            ("send_draft", fields(m, owners)),
            ("undo_send", vec![("draft", owners.to_string())]),
            ("discard_draft", vec![("draft", grantees.to_string())]),
            (
                "remove_attachment",
                vec![("draft", owners.to_string()), ("attachment", "1".into())],
            ),
            ("signature", vec![("mailbox", m.to_string())]),
            (
                "set_signature",
                vec![("mailbox", m.to_string()), ("text", "Not yours".into())],
            ),
        ];
        for (endpoint, form) in &refused {
            let what = format!("{backend} {endpoint} {form:?}");
            let (status, body) = post(&mut w, Who::SignedOut, endpoint, form).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "signed out, {what}: {body}"
            );
            for who in [Who::Outsider, Who::Stranger] {
                let (status, body) = post(&mut w, who, endpoint, form).await;
                assert_eq!(status, NOT_FOUND, "{who:?}, {what}: {body}");
            }
        }
        // The outsider cannot point the From of their own draft at the mailbox.
        for endpoint in ["save_draft", "send_draft"] {
            let (status, body) = post(&mut w, Who::Outsider, endpoint, &fields(m, outsiders)).await;
            assert_eq!(status, NOT_FOUND, "{backend} {endpoint}: {body}");
        }
        assert_eq!(
            snapshot(&w.state.db).await,
            before,
            "{backend}: refused calls change nothing"
        );

        // A draft is its author's alone, even between the owner and the grantee.
        for (who, draft) in [(Who::Grantee, owners), (Who::Owner, grantees)] {
            let (status, body) =
                post(&mut w, who, "compose", &[("draft", draft.to_string())]).await;
            assert_eq!(
                status, NOT_FOUND,
                "{backend} {who:?} opens another's draft: {body}"
            );
            let (status, body) = post(&mut w, who, "save_draft", &fields(m, draft)).await;
            assert_eq!(
                status, NOT_FOUND,
                "{backend} {who:?} saves another's draft: {body}"
            );
        }
        for (who, draft) in [(Who::Owner, owners), (Who::Grantee, grantees)] {
            let (status, body) =
                post(&mut w, who, "compose", &[("draft", draft.to_string())]).await;
            assert_eq!(status, OK, "{backend} {who:?}: {body}");
            let view = json(&body);
            assert_eq!(view["fields"]["mailbox_id"].as_i64(), Some(m), "{body}");
            let (status, body) = post(&mut w, who, "save_draft", &fields(m, draft)).await;
            assert_eq!(status, OK, "{backend} {who:?} saves: {body}");
        }
        // Lists show each their own.
        for (who, mine, others) in [
            (Who::Owner, vec![owners], vec![grantees, outsiders]),
            (Who::Grantee, vec![grantees], vec![owners, outsiders]),
            (Who::Outsider, vec![outsiders], vec![owners, grantees]),
            (Who::Stranger, vec![], vec![owners, grantees, outsiders]),
        ] {
            let (status, body) = post(&mut w, who, "my_drafts", &[]).await;
            assert_eq!(status, OK, "{backend} {who:?}: {body}");
            let ids: Vec<i64> = json(&body)
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|d| d["id"].as_i64())
                .collect();
            for id in &mine {
                assert!(
                    ids.contains(id),
                    "{backend} {who:?} sees their draft: {body}"
                );
            }
            for id in &others {
                assert!(
                    !ids.contains(id),
                    "{backend} {who:?} sees another's draft: {body}"
                );
            }
        }
        // Correspondents of the shared mailbox are suggested to its readers only.
        for (who, sees) in [
            (Who::Owner, true),
            (Who::Grantee, true),
            (Who::Stranger, false),
            (Who::Outsider, true),
        ] {
            let (status, body) =
                post(&mut w, who, "suggest_addresses", &[("q", "olena".into())]).await;
            assert_eq!(status, OK, "{backend} {who:?}: {body}");
            // The outsider's own mailbox has mail from the same sender: they see her too,
            // from their own mail; the stranger has none.
            assert_eq!(
                body.contains("olena@supplier.test"),
                sees,
                "{backend} {who:?}: {body}"
            );
        }
        // The signature: readers read it, only the owner sets it.
        let (status, body) = post(
            &mut w,
            Who::Grantee,
            "set_signature",
            &[("mailbox", m.to_string()), ("text", "Grantee's".into())],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{backend}: {body}");
        let (status, body) = post(
            &mut w,
            Who::Owner,
            "set_signature",
            &[("mailbox", m.to_string()), ("text", "Desk of Acme".into())],
        )
        .await;
        assert_eq!(status, OK, "{backend}: {body}");
        let (status, body) = post(
            &mut w,
            Who::Grantee,
            "signature",
            &[("mailbox", m.to_string())],
        )
        .await;
        assert_eq!(
            (status, json(&body)),
            (OK, Value::from("Desk of Acme")),
            "{backend}"
        );
        // The author's own draft: queued, taken back, discarded.
        let (status, body) = post(&mut w, Who::Owner, "send_draft", &fields(m, owners)).await;
        assert!(
            status.is_success() || status.is_redirection(),
            "{backend} send: {status} {body}"
        );
        let (status, body) = post(
            &mut w,
            Who::Owner,
            "undo_send",
            &[("draft", owners.to_string())],
        )
        .await;
        assert_eq!(status, OK, "{backend} undo: {body}");
        assert_eq!(
            json(&body)["state"],
            Value::from("Editing"),
            "{backend}: {body}"
        );
        let (status, body) = post(
            &mut w,
            Who::Owner,
            "discard_draft",
            &[("draft", owners.to_string())],
        )
        .await;
        assert!(
            status.is_success() || status.is_redirection(),
            "{backend} discard: {status} {body}"
        );
        let (status, _) = post(
            &mut w,
            Who::Owner,
            "compose",
            &[("draft", owners.to_string())],
        )
        .await;
        assert_eq!(status, NOT_FOUND, "{backend}: a discarded draft is gone");
    }
}
