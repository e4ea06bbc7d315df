//! Plan limits (shared mailboxes count), plan features, owner-only changes, visibility and
//! downgrades, against the real mail stack on SQLite and PostgreSQL.

use crate::common;

use common::{
    mail_stack::stack,
    mailbox_fixtures::{admin, connect, member, request, settings, state},
};
use domain::{Access, CrmMode, Plan};
use sea_orm::EntityTrait;
use services::{ServiceError, entities::mailbox_grant, mailboxes, plan};

#[tokio::test]
async fn plan_limits_count_shared_mailboxes_and_name_the_plan() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let owner = admin(&t.db, "limits@acme.com").await;
        let colleague = member(&t.db, &owner, "colleague@acme.com").await;
        // Free: one mailbox, no sharing, no CRM.
        connect(&st, &s, &owner, "alice", Access::Personal, vec![])
            .await
            .unwrap();
        let err = connect(&st, &s, &owner, "bob", Access::Personal, vec![])
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                ServiceError::MailboxLimit {
                    plan: Plan::Free,
                    limit: 1
                }
            ),
            "{}: {err:?}",
            t.backend
        );

        plan::set_plan(&t.db, &owner, Plan::Standard).await.unwrap();
        // The colleague connects two own mailboxes, then is granted a third: 2 + 1 = 3.
        connect(&st, &s, &colleague, "alice", Access::Personal, vec![])
            .await
            .unwrap();
        connect(&st, &s, &colleague, "bob", Access::Personal, vec![])
            .await
            .unwrap();
        let shared = connect(
            &st,
            &s,
            &owner,
            "bob",
            Access::Shared,
            vec![colleague.user_id],
        )
        .await
        .unwrap();
        assert_eq!(
            mailboxes::mailbox_count(&t.db, colleague.user_id)
                .await
                .unwrap(),
            3
        );
        let err = connect(&st, &s, &colleague, "demo", Access::Personal, vec![])
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                ServiceError::MailboxLimit {
                    plan: Plan::Standard,
                    limit: 3
                }
            ),
            "{err:?}"
        );
        // Granting one more shared mailbox to someone at the limit is refused by name.
        let third = connect(&st, &s, &owner, "demo", Access::Personal, vec![])
            .await
            .unwrap();
        let err = mailboxes::update_settings(
            &st,
            &owner,
            third,
            settings(Access::Shared, vec![colleague.user_id]),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&err, ServiceError::GranteeAtLimit { name, plan: Plan::Standard, limit: 3 } if name.contains("colleague")),
            "{err:?}"
        );
        let _ = shared;
    }
}

#[tokio::test]
async fn free_plan_refuses_shared_access_and_crm_links() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let owner = admin(&t.db, "free@acme.com").await;
        let draft = mailboxes::check_and_draft(&st, &owner, request(&s, "alice"))
            .await
            .unwrap();
        let err = mailboxes::connect(&st, &owner, &draft, settings(Access::Shared, vec![]))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                ServiceError::PlanLacks {
                    feature: "shared",
                    ..
                }
            ),
            "{}",
            t.backend
        );
        let mut crm = settings(Access::Personal, vec![]);
        crm.crm_mode = CrmMode::Automatic;
        let err = mailboxes::connect(&st, &owner, &draft, crm)
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            ServiceError::PlanLacks { feature: "crm", .. }
        ));
    }
}

#[tokio::test]
async fn only_the_owner_changes_a_mailbox_and_strangers_cannot_see_it() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let owner = admin(&t.db, "own@acme.com").await;
        plan::set_plan(&t.db, &owner, Plan::Professional)
            .await
            .unwrap();
        let grantee = member(&t.db, &owner, "grantee@acme.com").await;
        let stranger = member(&t.db, &owner, "stranger@acme.com").await;
        let outsider = admin(&t.db, "outsider@other.com").await;
        let id = connect(
            &st,
            &s,
            &owner,
            "alice",
            Access::Shared,
            vec![grantee.user_id],
        )
        .await
        .unwrap();

        let seen = mailboxes::visible_mailboxes(&t.db, &grantee).await.unwrap();
        assert_eq!(seen.len(), 1, "{}", t.backend);
        assert!(!seen[0].is_owner);
        assert!(
            mailboxes::visible_mailboxes(&t.db, &stranger)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            mailboxes::visible_mailboxes(&t.db, &outsider)
                .await
                .unwrap()
                .is_empty()
        );

        assert!(matches!(
            mailboxes::details(&t.db, &grantee, id).await,
            Err(ServiceError::OwnerOnly)
        ));
        assert!(matches!(
            mailboxes::details(&t.db, &stranger, id).await,
            Err(ServiceError::NotFound)
        ));
        assert!(matches!(
            mailboxes::details(&t.db, &outsider, id).await,
            Err(ServiceError::NotFound)
        ));
        let err = mailboxes::update_settings(&st, &grantee, id, settings(Access::Personal, vec![]))
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceError::OwnerOnly));
        assert!(matches!(
            mailboxes::disconnect(&st, &grantee, id).await,
            Err(ServiceError::OwnerOnly)
        ));
        assert!(matches!(
            mailboxes::disconnect(&st, &outsider, id).await,
            Err(ServiceError::NotFound)
        ));
        assert!(matches!(
            mailboxes::change_password(&st, &stranger, id, "x").await,
            Err(ServiceError::NotFound)
        ));

        mailboxes::disconnect(&st, &owner, id).await.unwrap();
        assert!(
            mailboxes::visible_mailboxes(&t.db, &owner)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            mailbox_grant::Entity::find()
                .all(&t.db)
                .await
                .unwrap()
                .is_empty(),
            "{}: grants outlived the mailbox",
            t.backend
        );
    }
}

#[tokio::test]
async fn a_downgrade_hides_shared_access_but_deletes_nothing() {
    let s = stack();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let owner = admin(&t.db, "down@acme.com").await;
        plan::set_plan(&t.db, &owner, Plan::Standard).await.unwrap();
        let grantee = member(&t.db, &owner, "g@acme.com").await;
        connect(
            &st,
            &s,
            &owner,
            "alice",
            Access::Shared,
            vec![grantee.user_id],
        )
        .await
        .unwrap();
        connect(&st, &s, &owner, "bob", Access::Personal, vec![])
            .await
            .unwrap();

        plan::set_plan(&t.db, &owner, Plan::Free).await.unwrap();
        let mine = mailboxes::visible_mailboxes(&t.db, &owner).await.unwrap();
        assert_eq!(
            mine.len(),
            2,
            "{}: over-limit mailboxes stay readable",
            t.backend
        );
        assert!(mine[0].shared_suspended);
        assert!(
            mailboxes::visible_mailboxes(&t.db, &grantee)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            mailbox_grant::Entity::find()
                .all(&t.db)
                .await
                .unwrap()
                .len(),
            1
        );
        let err = connect(&st, &s, &owner, "demo", Access::Personal, vec![])
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            ServiceError::MailboxLimit {
                plan: Plan::Free,
                ..
            }
        ));

        plan::set_plan(&t.db, &owner, Plan::Standard).await.unwrap();
        assert_eq!(
            mailboxes::visible_mailboxes(&t.db, &grantee)
                .await
                .unwrap()
                .len(),
            1,
            "{}",
            t.backend
        );
    }
}
