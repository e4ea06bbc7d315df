//! Settings and actions that steer the sync, against the real Dovecot on SQLite and
//! PostgreSQL: a shorter period drops what fell out of range (from the app only), a plan
//! change reschedules at once, and **Re-sync from date** fills a gap the fast path would
//! never look at, without duplicates.

use crate::common;

use chrono::Utc;
use common::{mail_stack::stack, mailbox_fixtures::state, sync_fixtures::*};
use domain::{Plan, SyncPeriod};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use services::{
    entities::{mailbox, message},
    mail_view, mailboxes, plan,
    sync::schedule::{self, Outcome},
};

#[tokio::test]
async fn a_shorter_period_or_fewer_folders_drop_mail_from_the_app_only() {
    let s = stack();
    let user = mail_user("period");
    seed(&user, 80, "INBOX");
    seed(&user, 3, "Archive");
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX", "Archive"]).await;
        let engine = engine(&st);
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        let inbox = folder(&t.db, id, "INBOX").await;
        assert_eq!(inbox.in_range, 80, "a month covers the 20 days seeded");

        let owner = owner_of(&t.db, id).await;
        let mut settings = mailboxes::details(&t.db, &owner, id)
            .await
            .unwrap()
            .settings;
        settings.period = SyncPeriod::Week;
        mailboxes::update_settings(&st, &owner, id, settings)
            .await
            .unwrap();
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);

        let mut other = other_client(&s, &user).await;
        other.examine("INBOX").await.unwrap();
        let since = (Utc::now() - chrono::Duration::days(7)).format("%-d-%b-%Y");
        let in_week = other
            .uid_search(format!("SINCE {since}"))
            .await
            .unwrap()
            .len();
        other.logout().await.ok();
        assert!(in_week < 80, "the seeder spreads mail over 20 days");
        let stored = message::Entity::find()
            .filter(message::Column::FolderId.eq(inbox.id))
            .count(&t.db)
            .await
            .unwrap();
        assert_eq!(stored as usize, in_week, "{}", t.backend);
        assert_eq!(
            server_view(&s, &user, "INBOX").await.len(),
            80,
            "the server keeps all"
        );
    }
}

#[tokio::test]
async fn a_plan_change_reschedules_at_once() {
    let s = stack();
    let user = mail_user("plan");
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let owner = owner_of(&t.db, id).await;
        let now = Utc::now();
        let lease = chrono::Duration::minutes(5);
        assert_eq!(
            schedule::claim_due(&t.db, "p", now, lease, 10)
                .await
                .unwrap(),
            vec![id]
        );
        schedule::finish(&t.db, id, "p", Outcome::Synced, now, now)
            .await
            .unwrap();
        let next = |db: sea_orm::DatabaseConnection| async move {
            mailbox::Entity::find_by_id(id)
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .next_sync_at
                .unwrap()
        };
        let free_next = next(t.db.clone()).await;
        assert!(
            free_next - now >= chrono::Duration::minutes(59),
            "Free: an hour"
        );
        plan::set_plan(&t.db, &owner, Plan::Professional)
            .await
            .unwrap();
        let pro_next = next(t.db.clone()).await;
        assert!(
            pro_next - now <= chrono::Duration::minutes(5),
            "Professional: 5 minutes"
        );
        // Back to Free never pushes a sooner run later.
        plan::set_plan(&t.db, &owner, Plan::Free).await.unwrap();
        assert_eq!(next(t.db.clone()).await, pro_next);
    }
}

#[tokio::test]
async fn resync_from_date_fills_a_gap_without_duplicates() {
    let s = stack();
    let user = mail_user("gap");
    seed(&user, 60, "INBOX");
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let engine = engine(&st);
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        let inbox = folder(&t.db, id, "INBOX").await;
        // A gap: rows lost from the app while the server did not change.
        message::Entity::delete_many()
            .filter(message::Column::FolderId.eq(inbox.id))
            .filter(message::Column::Uid.lte(20))
            .exec(&t.db)
            .await
            .unwrap();
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        let after_plain_run = message::Entity::find()
            .filter(message::Column::FolderId.eq(inbox.id))
            .count(&t.db)
            .await
            .unwrap();
        assert_eq!(
            after_plain_run, 40,
            "nothing changed on the server: the fast path skips"
        );

        let owner = owner_of(&t.db, id).await;
        let from = (Utc::now() - chrono::Duration::days(25))
            .format("%Y-%m-%d")
            .to_string();
        mail_view::resync_from(&st, &owner, id, &from)
            .await
            .unwrap();
        assert!(
            mailbox::Entity::find_by_id(id)
                .one(&t.db)
                .await
                .unwrap()
                .unwrap()
                .resync_from
                .is_some()
        );
        sync_and_compare(&engine, &st, &s, &user, id, &["INBOX"]).await;
        let row = mailbox::Entity::find_by_id(id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert!(row.resync_from.is_none(), "a one-shot request");
        assert!(
            mail_view::resync_from(&st, &owner, id, "2999-01-01")
                .await
                .is_err()
        );
    }
}
