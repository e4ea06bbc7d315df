//! **Sync now** and **Re-sync from date** as users call them, on SQLite and PostgreSQL:
//! one request per mailbox per cooldown (the second is told how long to wait, whoever
//! asks), and a mailbox whose password the server refused is never resumed by them.

use crate::common;

use chrono::{Duration, SubsecRound, Utc};
use common::schedule_fixtures::due_mailboxes;
use domain::{MailboxStatus, Plan};
use sea_orm::{DatabaseConnection, EntityTrait};
use services::{
    AppState, ServiceError,
    accounts::Actor,
    entities::mailbox,
    mail::tls::MailTrust,
    mail_view,
    secrets::MasterKey,
    sync::{
        request::{COOLDOWN, request_run},
        schedule::{self, Outcome},
    },
};

fn app_state(db: &DatabaseConnection) -> AppState {
    let key = MasterKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
    AppState::new(db.clone(), key, MailTrust::new(None).unwrap())
}

async fn row(db: &DatabaseConnection, id: i64) -> mailbox::Model {
    mailbox::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn sync_now_and_resync_share_a_cooldown_that_says_how_long_to_wait() {
    for t in common::databases().await {
        let ids = due_mailboxes(&t.db, 2, Plan::Professional).await;
        let (id, other) = (ids[0], ids[1]);
        let st = app_state(&t.db);
        let owner = Actor::load(&t.db, row(&t.db, id).await.owner_id)
            .await
            .unwrap();
        mail_view::sync_now(&st, &owner, id).await.unwrap();
        let asked = row(&t.db, id).await;
        assert!(asked.next_sync_at.unwrap() <= Utc::now(), "due at once");
        assert!(asked.sync_requested_at.is_some());
        // Pressed again at once, or Re-sync from date: refused with the time left.
        for second in [
            mail_view::sync_now(&st, &owner, id).await,
            mail_view::resync_from(&st, &owner, id, "2026-01-01").await,
        ] {
            match second {
                Err(ServiceError::SyncCooldown { retry_after }) => {
                    assert!(
                        retry_after <= COOLDOWN && retry_after >= COOLDOWN / 2,
                        "{}: {retry_after:?}",
                        t.backend
                    );
                }
                other => panic!("{}: expected a cooldown, got {other:?}", t.backend),
            }
        }
        assert!(
            row(&t.db, id).await.resync_from.is_none(),
            "refused: nothing recorded"
        );
        // Another mailbox has its own cooldown.
        mail_view::sync_now(&st, &owner, other).await.unwrap();
        // After the cooldown (as of 31 s later) the request goes through, Re-sync included.
        let later = (Utc::now() + Duration::seconds(31)).trunc_subsecs(0);
        let from = later - Duration::days(3);
        request_run(&t.db, id, Some(from), later, COOLDOWN)
            .await
            .unwrap();
        let after = row(&t.db, id).await;
        assert_eq!(after.next_sync_at.unwrap().timestamp(), later.timestamp());
        assert_eq!(after.resync_from.unwrap().timestamp(), from.timestamp());
        let again = request_run(&t.db, id, None, later + Duration::seconds(1), COOLDOWN).await;
        assert!(
            matches!(again, Err(ServiceError::SyncCooldown { retry_after }) if retry_after.as_secs() == 29),
            "{}: {again:?}",
            t.backend
        );
    }
}

#[tokio::test]
async fn a_mailbox_that_needs_a_new_password_is_not_resumed_by_sync_now() {
    for t in common::databases().await {
        let id = due_mailboxes(&t.db, 1, Plan::Standard).await[0];
        let st = app_state(&t.db);
        let owner = Actor::load(&t.db, row(&t.db, id).await.owner_id)
            .await
            .unwrap();
        let now = Utc::now();
        schedule::claim_due(&t.db, "p", now, Duration::seconds(30), 1)
            .await
            .unwrap();
        let refused = Outcome::AuthRefused {
            error: "AUTHENTICATIONFAILED".into(),
        };
        assert!(
            schedule::finish(&t.db, id, "p", refused, now, now)
                .await
                .unwrap()
        );
        for attempt in [
            mail_view::sync_now(&st, &owner, id).await,
            mail_view::resync_from(&st, &owner, id, "2026-01-01").await,
        ] {
            assert!(
                matches!(attempt, Err(ServiceError::NeedsNewPassword)),
                "{}: {attempt:?}",
                t.backend
            );
        }
        let after = row(&t.db, id).await;
        assert_eq!(after.status, MailboxStatus::NeedsReconnect);
        assert!(after.next_sync_at.is_none(), "{}: still stopped", t.backend);
        assert!(after.sync_requested_at.is_none());
    }
}
