//! The per-mailbox storage quota against the real Dovecot, on SQLite and PostgreSQL:
//! bodies never take more than the quota, what does not fit keeps its headers
//! ("over_quota") and the mailbox says "storage quota reached"; new mail pushes out the
//! bodies of older mail; a larger quota brings the rest in.

use crate::common;

use common::{
    mail_stack::{Stack, stack},
    mailbox_fixtures::{admin, request, settings, state},
    sync_fixtures::{connected, engine, mail_user, other_client, rows_by, seed_capped},
};
use domain::{Access, SyncPeriod};
use sea_orm::DatabaseConnection;
use services::{
    AppState,
    entities::message,
    mailboxes,
    sync::{
        schedule::Outcome,
        store::{BodyState, quota_reached},
    },
};

/// `user`'s INBOX once more, as another workspace's mailbox.
async fn connected_again(st: &AppState, s: &Stack, user: &str) -> i64 {
    let owner = admin(&st.db, &format!("second-{user}@acme.com")).await;
    let draft = mailboxes::check_and_draft(st, &owner, request(s, user))
        .await
        .unwrap();
    let mut chosen = settings(Access::Personal, vec![]);
    chosen.folders = vec!["INBOX".into()];
    chosen.period = SyncPeriod::Month;
    mailboxes::connect(st, &owner, &draft, chosen)
        .await
        .unwrap()
}

/// The quota's assertions read the rows in order of arrival, newest first.
async fn rows(db: &DatabaseConnection, mailbox_id: i64) -> Vec<message::Model> {
    rows_by(db, mailbox_id, message::Column::ReceivedAt).await
}

fn used(rows: &[message::Model]) -> i64 {
    rows.iter().map(|r| r.body_bytes).sum()
}

fn count(rows: &[message::Model], state: BodyState) -> usize {
    rows.iter().filter(|r| r.body_state == state).count()
}

#[tokio::test]
async fn bodies_stay_within_the_quota_newest_first() {
    let s = stack();
    for t in common::databases().await {
        let user = mail_user("quota");
        seed_capped(&user, 30, "INBOX", 20_000);
        let st = state(t.db.clone(), &s);
        let mut engine = engine(&st);

        // The same mail without a quota tells what the bodies take.
        let measure = connected(&st, &s, &user, &["INBOX"]).await;
        assert_eq!(engine.sync_mailbox(measure).await, Outcome::Synced);
        let all = rows(&t.db, measure).await;
        let total = used(&all);
        assert_eq!(count(&all, BodyState::Stored), 30, "{}", t.backend);
        assert!(!quota_reached(&t.db, measure).await.unwrap());

        // Room for about half of it.
        let quota = total / 2;
        engine.limits.mailbox_quota_bytes = quota;
        let id = connected_again(&st, &s, &user).await;
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        let first = rows(&t.db, id).await;
        eprintln!(
            "figures {}: {} bytes of bodies in all, quota {quota}, kept {}, {} over quota",
            t.backend,
            total,
            used(&first),
            count(&first, BodyState::OverQuota)
        );
        assert!(
            used(&first) <= quota,
            "{}: {} > {quota}",
            t.backend,
            used(&first)
        );
        assert_eq!(first.len(), 30, "every message is listed");
        assert_eq!(count(&first, BodyState::Pending), 0);
        assert!(count(&first, BodyState::OverQuota) > 0);
        assert_eq!(first[0].body_state, BodyState::Stored, "the newest is kept");
        for over in first
            .iter()
            .filter(|r| r.body_state == BodyState::OverQuota)
        {
            assert_eq!((over.text_body.as_ref(), over.body_bytes), (None, 0));
        }
        assert!(quota_reached(&t.db, id).await.unwrap(), "{}", t.backend);

        // New mail arrives: it is kept, older bodies make room.
        let mut device = other_client(&s, &user).await;
        let fresh = format!(
            "From: Bob <bob@example.test>\r\nTo: {user}@example.test\r\nSubject: Fresh {}\r\nMessage-ID: <fresh-{}@example.test>\r\n\r\n{}\r\n",
            t.backend,
            t.backend,
            "New mail. ".repeat(500)
        );
        device
            .append("INBOX", None, None, fresh.as_bytes())
            .await
            .unwrap();
        device.logout().await.ok();
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        let second = rows(&t.db, id).await;
        assert_eq!(second.len(), 31);
        assert!(
            second[0].subject.starts_with("Fresh"),
            "{}",
            second[0].subject
        );
        assert_eq!(second[0].body_state, BodyState::Stored, "new mail is kept");
        assert!(used(&second) <= quota, "{}", t.backend);
        assert!(count(&second, BodyState::OverQuota) >= count(&first, BodyState::OverQuota));

        // A larger quota: the next run brings in what was left out.
        engine.limits.mailbox_quota_bytes = total * 4;
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        let third = rows(&t.db, id).await;
        assert_eq!(count(&third, BodyState::Stored), 31, "{}", t.backend);
        assert!(!quota_reached(&t.db, id).await.unwrap());
    }
}
