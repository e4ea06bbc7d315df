//! Fixtures for scheduler tests and benchmarks: many mailboxes, due now, no IMAP behind.

#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use domain::{Language, Plan};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use services::{
    accounts::{self, Actor, SignUp},
    entities::mailbox,
    plan,
};

/// `n` mailboxes of a new workspace on `plan_name`, due a minute ago.
pub async fn due_mailboxes(db: &DatabaseConnection, n: usize, plan_name: Plan) -> Vec<i64> {
    let due = Utc::now() - Duration::minutes(1);
    mailboxes_due_at(db, n, plan_name, |_| due).await
}

/// `n` mailboxes of a new workspace on `plan_name`; mailbox `i` falls due at `due(i)`.
pub async fn mailboxes_due_at(
    db: &DatabaseConnection,
    n: usize,
    plan_name: Plan,
    due: impl Fn(usize) -> DateTime<Utc>,
) -> Vec<i64> {
    let user = accounts::sign_up(
        db,
        SignUp {
            workspace_name: "Sched".into(),
            name: "Owner".into(),
            email: format!("sched-{}@acme.com", uuid::Uuid::new_v4().simple()),
            password: "correct horse".into(),
            language: Language::En,
        },
    )
    .await
    .unwrap();
    let actor = Actor::load(db, user.id).await.unwrap();
    plan::set_plan(db, &actor, plan_name).await.unwrap();
    let rows: Vec<mailbox::ActiveModel> = (0..n)
        .map(|i| mailbox::ActiveModel {
            workspace_id: Set(actor.workspace_id),
            owner_id: Set(actor.user_id),
            provider: Set(domain::Provider::OwnDomain),
            email: Set(format!("box{i}@example.test")),
            mailbox_name: Set(format!("Box {i}")),
            sender_name: Set("Owner".into()),
            imap_host: Set("localhost".into()),
            imap_port: Set(993),
            imap_security: Set(domain::Security::Tls),
            smtp_host: Set("localhost".into()),
            smtp_port: Set(465),
            smtp_security: Set(domain::Security::Tls),
            imap_username: Set(format!("box{i}@example.test")),
            imap_secret: Set("sealed".into()),
            smtp_username: Set(format!("box{i}@example.test")),
            smtp_secret: Set("sealed".into()),
            access: Set(domain::Access::Personal),
            crm_mode: Set(domain::CrmMode::Off),
            crm_create: Set(domain::CrmCreate::default()),
            period: Set(domain::SyncPeriod::Month),
            status: Set(domain::MailboxStatus::WaitingFirstSync),
            last_sync_at: Set(None),
            next_sync_at: Set(Some(due(i))),
            created_at: Set(Utc::now()),
            lease_owner: Set(None),
            lease_until: Set(None),
            sync_failures: Set(0),
            last_error: Set(None),
            ..Default::default()
        })
        .collect();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(500).collect();
        mailbox::Entity::insert_many(chunk).exec(db).await.unwrap();
    }
    mailbox::Entity::find()
        .select_only()
        .column(mailbox::Column::Id)
        .filter(mailbox::Column::OwnerId.eq(actor.user_id))
        .order_by_asc(mailbox::Column::Id)
        .into_tuple()
        .all(db)
        .await
        .unwrap()
}
