//! The manual CRM link server functions over HTTP against the real router and Dovecot, on
//! SQLite and PostgreSQL: signed out 401; a member the mailbox is not shared with and a
//! user of another workspace get 404 for a message's links (and change nothing); a card
//! (its data and its page) shows the member that the messages exist but not what they
//! say, and the other workspace does not see it; owner and grantee link, unlink and make
//! a contact from the sender. The reading pane renders **Link to CRM**, the search and
//! the links on the server (JavaScript off), and a plain form post comes back to the page.

use crate::reading_world;

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use reading_world::{Who, World, eml, world};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use services::entities::{crm_deal, crm_link, mailbox};
use tower::ServiceExt;

const SUBJECT: &str = "Quote for forty oak desks";
const TEXT: &str = "The walnut finish costs extra.";

async fn post(
    w: &mut World,
    who: Who,
    endpoint: &str,
    form: &[(&str, String)],
) -> (StatusCode, Value) {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = w.client(who).post(endpoint, &form).await;
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

/// A page as the browser gets it with JavaScript off.
async fn page(w: &mut World, who: Who, path: &str) -> (StatusCode, String) {
    w.client(who).page(path).await
}

async fn lead(w: &World, title: &str) -> i64 {
    let ws = mailbox::Entity::find_by_id(w.mailbox)
        .one(&w.state.db)
        .await
        .unwrap()
        .unwrap()
        .workspace_id;
    let now = chrono::Utc::now();
    crm_deal::ActiveModel {
        workspace_id: Set(ws),
        kind: Set("lead".into()),
        title: Set(title.into()),
        stage: Set("new".into()),
        owner_id: Set(None),
        amount: Set(None),
        contact_id: Set(None),
        company_id: Set(None),
        from_address: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&w.state.db)
    .await
    .unwrap()
    .id
}

async fn links(w: &World) -> Vec<(i64, String, i64)> {
    crm_link::Entity::find()
        .all(&w.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.message_id, l.record_kind, l.record_id))
        .collect()
}

#[tokio::test]
async fn crm_link_functions_answer_only_readers_of_the_mailbox() {
    for backend in ["sqlite", "postgres"] {
        let mut w = world(backend, &[eml(SUBJECT, TEXT)], &[eml("Their own", "Own.")]).await;
        mailbox::ActiveModel {
            id: Set(w.mailbox),
            crm_mode: Set(domain::CrmMode::Manual),
            ..Default::default()
        }
        .update(&w.state.db)
        .await
        .unwrap();
        let message = w.message(SUBJECT).await.id;
        let desks = lead(&w, "Oak desks for Lviv").await;
        let link = [
            ("message", message.to_string()),
            ("kind", "lead".to_owned()),
            ("record", desks.to_string()),
        ];
        let msg = [("message", message.to_string())];
        let card = [("kind", "leads".to_owned()), ("id", desks.to_string())];
        let contact = [
            ("message", message.to_string()),
            ("kind", "contact".to_owned()),
        ];
        let calls: [(&str, &[(&str, String)]); 6] = [
            ("link_message", &link),
            ("unlink_message", &link),
            ("message_links", &msg),
            ("create_from_sender", &contact),
            ("record_timeline", &card),
            ("pick_records", &[("q", "oak".to_owned())]),
        ];
        for (endpoint, form) in calls {
            let (status, body) = post(&mut w, Who::SignedOut, endpoint, form).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{backend} {endpoint}: {body}"
            );
        }
        // Readers link; then nobody else can read, link, unlink or create.
        let (status, body) = post(&mut w, Who::Grantee, "link_message", &link).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, Value::from(1)),
            "{backend}"
        );
        for who in [Who::Outsider, Who::Stranger] {
            for (endpoint, form) in &calls[..4] {
                let (status, body) = post(&mut w, who, endpoint, form).await;
                assert_eq!(
                    status,
                    StatusCode::NOT_FOUND,
                    "{backend} {who:?} {endpoint}: {body}"
                );
                assert!(!body.to_string().contains("Oak desks"), "{body}");
            }
        }
        assert_eq!(
            links(&w).await,
            vec![(message, "lead".into(), desks)],
            "{backend}"
        );
        let (status, body) = post(&mut w, Who::Outsider, "record_timeline", &card).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{backend}: {body}");
        let (status, body) = post(&mut w, Who::Outsider, "pick_records", calls[5].1).await;
        assert_eq!((status, body), (StatusCode::OK, Value::Array(vec![])));

        // The card: in full for readers, that it exists for the member without access.
        for who in [Who::Owner, Who::Grantee] {
            let (status, body) = post(&mut w, who, "record_timeline", &card).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(body[0]["subject"], SUBJECT, "{backend} {who:?}");
            assert_eq!(
                (body[0]["readable"].clone(), body[0]["direction"].clone()),
                (Value::Bool(true), Value::from("Incoming"))
            );
        }
        let (status, body) = post(&mut w, Who::Stranger, "record_timeline", &card).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body.as_array().map(Vec::len), Some(1), "{body}");
        assert_eq!(body[0]["readable"], false);
        assert_eq!(body[0]["message_id"], message);
        let text = body.to_string();
        for secret in [SUBJECT, "walnut", "Olena", "olena@supplier.test"] {
            assert!(!text.contains(secret), "{backend}: {secret} in {text}");
        }

        // The card page: the member sees that the message exists, not what it says; a
        // reader opens it in place.
        let card_page = format!("/crm/leads/{desks}");
        let (status, html) = page(&mut w, Who::Stranger, &card_page).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("you have no access"), "{backend}: {html}");
        for secret in [SUBJECT, "walnut", "olena@supplier.test"] {
            assert!(!html.contains(secret), "{backend}: {secret} on the card");
        }
        let opened = format!("{card_page}?message={message}");
        let (status, html) = page(&mut w, Who::Grantee, &opened).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(SUBJECT), "{backend}");
        assert!(html.contains(&format!("/mail/messages/{message}/content")));
        assert!(html.contains(&format!("href=\"/mail/inbox?open={message}\"")));

        // The reading pane, JavaScript off: the links, Link to CRM and the search.
        let path = format!("/mail/inbox?open={message}&crm_for={message}&crm_q=oak");
        let (status, html) = page(&mut w, Who::Owner, &path).await;
        assert_eq!(status, StatusCode::OK);
        for needle in [
            "Link to CRM",
            "name=\"crm_q\"",
            "action=\"/api/link_message\"",
            "action=\"/api/unlink_message\"",
            "action=\"/api/create_from_sender\"",
            &format!("href=\"/crm/leads/{desks}\""),
            "Create contact from sender",
            "Link conversation",
        ] {
            assert!(
                html.contains(needle),
                "{backend}: no {needle:?} in the page"
            );
        }
        // A plain form post links and goes back to the page it came from.
        let other = lead(&w, "Spare chairs").await;
        let referer = format!("http://127.0.0.1:3000{path}");
        let client = w.client(Who::Owner);
        let req = Request::post("/api/link_message")
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, &referer)
            .header(header::COOKIE, client.cookie.clone().unwrap())
            .body(Body::from(format!(
                "message={message}&kind=lead&record={other}&conversation=true"
            )))
            .unwrap();
        let res = client.app.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::FOUND, "{backend}");
        let location = res
            .headers()
            .get(header::LOCATION)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(location.starts_with(&referer), "{location}");
        assert_eq!(links(&w).await.len(), 2);

        // Create from sender, then unlink, by the owner.
        let (status, body) = post(&mut w, Who::Owner, "create_from_sender", &contact).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            (body["kind"].clone(), body["detail"].clone()),
            (Value::from("Contact"), Value::from("olena@supplier.test"))
        );
        let (status, body) = post(&mut w, Who::Owner, "message_links", &msg).await;
        assert_eq!(
            (status, body.as_array().map(Vec::len)),
            (StatusCode::OK, Some(3)),
            "{body}"
        );
        let (status, _) = post(&mut w, Who::Owner, "unlink_message", &link).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = post(&mut w, Who::Grantee, "message_links", &msg).await;
        assert_eq!(
            (status, body.as_array().map(Vec::len)),
            (StatusCode::OK, Some(2)),
            "{body}"
        );
        let bad = [
            ("message", message.to_string()),
            ("kind", "planet".into()),
            ("record", "1".into()),
        ];
        let (status, _) = post(&mut w, Who::Owner, "link_message", &bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let count = crm_link::Entity::find()
            .filter(crm_link::Column::MessageId.eq(message))
            .all(&w.state.db)
            .await
            .unwrap()
            .len();
        assert_eq!(count, 2, "{backend}");
    }
}
