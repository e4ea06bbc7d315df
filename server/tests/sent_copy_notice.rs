//! A sent message's page says where its copy in the mailbox's Sent folder stands when it
//! could not be filed: tried again later (and when), or given up; nothing once it is
//! filed. Server-rendered, as the browser gets it with JavaScript off, on SQLite and
//! PostgreSQL. The states themselves come from the real send worker against Postfix and
//! Dovecot (services' `sending_sent_copies`); here the draft is put in each state.

use crate::reading_world;

use chrono::Utc;
use reading_world::{Who, world};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
use services::entities::draft;

const LATER: &str = "Its copy in the Sent folder could not be saved yet.";
const RETRY: &str = "It is tried again by itself at";
const GIVEN_UP: &str = "its copy could not be saved in the mailbox";

#[tokio::test]
async fn a_sent_message_says_when_its_copy_in_sent_is_missing() {
    for backend in ["sqlite", "postgres"] {
        let mut w = world(backend, &[], &[]).await;
        let form = [("kind", "new"), ("mailbox", &w.mailbox.to_string())];
        let (status, body) = w.client(Who::Owner).post("start_draft", &form).await;
        assert!(status.is_success(), "{backend}: {status} {body}");
        let id: i64 = serde_json::from_str(&body).unwrap();
        let path = format!("/mail/drafts/{id}");
        let db = w.state.db.clone();
        let put = |sent_copy: &'static str, due: bool| {
            let db = db.clone();
            async move {
                let row = draft::Entity::find_by_id(id)
                    .one(&db)
                    .await
                    .unwrap()
                    .unwrap();
                let mut row = row.into_active_model();
                row.state = Set(domain::SendState::Sent);
                row.sent_at = Set(Some(Utc::now()));
                row.sent_copy = Set(sent_copy.into());
                row.copy_due_at = Set(due.then(|| Utc::now() + chrono::Duration::minutes(10)));
                row.update(&db).await.unwrap();
            }
        };

        put("failed", true).await;
        let (status, html) = w.client(Who::Owner).page(&path).await;
        assert!(status.is_success(), "{backend}: {status}");
        assert!(html.contains("send-state sent"), "{backend}: sent");
        assert!(
            html.contains(LATER) && html.contains(RETRY),
            "{backend}: {html}"
        );
        assert!(!html.contains(GIVEN_UP), "{backend}");

        put("given_up", false).await;
        let (_, html) = w.client(Who::Owner).page(&path).await;
        assert!(html.contains(GIVEN_UP), "{backend}: {html}");
        assert!(!html.contains(LATER), "{backend}");

        put("done", false).await;
        let (_, html) = w.client(Who::Owner).page(&path).await;
        assert!(html.contains("send-state sent"), "{backend}: sent");
        assert!(
            !html.contains(LATER) && !html.contains(GIVEN_UP),
            "{backend}"
        );
    }
}
