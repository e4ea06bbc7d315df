//! Readers' write-backs that go wrong, on SQLite and PostgreSQL against the real Dovecot:
//! refused and unreachable servers (retried, shown, undone, retried by the reader or
//! dismissed), a sync before the write-back, a folder reset on the server, and who may act.
use crate::action_fixtures;
use crate::common;

use action_fixtures::*;
use common::{
    mail_stack::stack,
    mailbox_fixtures::{admin, member},
    sync_fixtures::{assert_same, mail_stack, seed},
    wait::wait_until,
};
use domain::MessageAction::{self, *};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel, PaginatorTrait};
use services::{
    ServiceError,
    entities::{mailbox, message_action},
    mail_actions::{self, act, dismiss_failure, failures, retry_failure},
};
use std::time::Duration;

async fn one_failure(mb: &Mb) -> domain::ActionFailure {
    let found = wait_until(Duration::from_secs(60), || async {
        failures(mb.db(), &mb.owner, Some(mb.id))
            .await
            .unwrap()
            .len()
            == 1
    })
    .await;
    assert!(found.is_some(), "a failure is shown");
    failures(mb.db(), &mb.owner, Some(mb.id))
        .await
        .unwrap()
        .remove(0)
}

#[tokio::test]
async fn a_refused_write_is_shown_undone_and_retried_or_dismissed() {
    let s = stack();
    for t in common::databases().await {
        let mb = setup(&t.db, &s, "actr", 4, &["INBOX", "Temp"], &["Temp"]).await;
        let worker = mb.worker();
        let rows = mb.rows("INBOX").await;
        let (a, b) = (rows[0].clone(), rows[1].clone());
        let temp = mb.folder_id("Temp").await;
        server_folder(&s, &mb.user, "Temp", false).await;

        act(&mb.st, &mb.owner, &[a.id], MoveTo(temp)).await.unwrap();
        let failure = one_failure(&mb).await;
        assert_eq!(failure.action, MoveTo(temp));
        assert_eq!(failure.message_id, Some(a.id));
        assert_eq!(failure.subject, a.subject);
        assert!(!failure.error.is_empty());
        let back = mb.row(a.id).await.unwrap();
        assert_eq!(
            (back.folder_id, back.uid),
            (a.folder_id, a.uid),
            "{}: undone",
            t.backend
        );
        let a_id = a.message_id.clone().unwrap();
        assert!(uid_on_server(&s, &mb.user, "INBOX", &a_id).await.is_some());

        // The folder is back: retry writes it.
        server_folder(&s, &mb.user, "Temp", true).await;
        retry_failure(&mb.st, &mb.owner, failure.id).await.unwrap();
        mb.written().await;
        assert!(failures(mb.db(), &mb.owner, None).await.unwrap().is_empty());
        assert!(
            uid_on_server(&s, &mb.user, "Temp", &a_id).await.is_some(),
            "{}",
            t.backend
        );
        assert_eq!(uid_on_server(&s, &mb.user, "INBOX", &a_id).await, None);
        let moved = mb.row(a.id).await.unwrap();
        assert!(moved.folder_id == temp && moved.uid > 0);

        // Gone again: this time the reader dismisses the failure.
        server_folder(&s, &mb.user, "Temp", false).await;
        act(&mb.st, &mb.owner, &[b.id], MoveTo(temp)).await.unwrap();
        let failure = one_failure(&mb).await;
        dismiss_failure(mb.db(), &mb.owner, failure.id)
            .await
            .unwrap();
        assert!(
            failures(mb.db(), &mb.owner, Some(mb.id))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(mb.row(b.id).await.unwrap().folder_id, b.folder_id);
        let err = dismiss_failure(mb.db(), &mb.owner, failure.id)
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceError::NotFound));
        worker.shutdown().await;
    }
}

#[tokio::test]
async fn an_unreachable_server_is_retried_then_shown_and_a_changed_password_too() {
    let s = stack();
    for t in common::databases().await {
        let mb = setup(&t.db, &s, "actn", 4, &["INBOX"], &[]).await;
        let worker = mb.worker();
        let rows = mb.rows("INBOX").await;
        let unseen = rows.iter().find(|r| !r.seen).unwrap().clone();
        let row = mailbox::Entity::find_by_id(mb.id)
            .one(mb.db())
            .await
            .unwrap()
            .unwrap();
        let port = {
            let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            closed.local_addr().unwrap().port()
        };
        let mut dead = row.clone().into_active_model();
        dead.imap_port = Set(i32::from(port));
        dead.update(mb.db()).await.unwrap();

        act(&mb.st, &mb.owner, &[unseen.id], MarkRead)
            .await
            .unwrap();
        let failure = one_failure(&mb).await;
        assert!(
            failure.error.contains("gave up after 3 attempts"),
            "{}",
            failure.error
        );
        assert!(
            !mb.row(unseen.id).await.unwrap().seen,
            "{}: undone",
            t.backend
        );
        let uid = unseen.uid;
        assert!(!on_server(&s, &mb.user, "INBOX").await[&uid].seen);

        let mut alive = row.clone().into_active_model();
        alive.imap_port = Set(row.imap_port);
        alive.update(mb.db()).await.unwrap();
        retry_failure(&mb.st, &mb.owner, failure.id).await.unwrap();
        mb.written().await;
        assert!(
            on_server(&s, &mb.user, "INBOX").await[&uid].seen,
            "{}",
            t.backend
        );
        assert!(mb.row(unseen.id).await.unwrap().seen);

        // The password changed on the server: refused at once, never hammered.
        let email = format!("{}@example.test", mb.user);
        mail_stack(&["set-password", &email, "changed-elsewhere"]);
        act(&mb.st, &mb.owner, &[unseen.id], MessageAction::Flag)
            .await
            .unwrap();
        let failure = one_failure(&mb).await;
        assert!(failure.error.contains("password"), "{}", failure.error);
        assert!(!mb.row(unseen.id).await.unwrap().flagged);
        let attempts = message_action::Entity::find_by_id(failure.id)
            .one(mb.db())
            .await
            .unwrap()
            .unwrap()
            .attempts;
        assert_eq!(
            attempts, 0,
            "{}: a refused password is not retried",
            t.backend
        );
        mail_stack(&["set-password", &email, &format!("{}-pass-1", mb.user)]);
        retry_failure(&mb.st, &mb.owner, failure.id).await.unwrap();
        mb.written().await;
        assert!(
            on_server(&s, &mb.user, "INBOX").await[&uid].flagged,
            "{}",
            t.backend
        );
        worker.shutdown().await;
    }
}

#[tokio::test]
async fn only_owner_and_grantees_may_act() {
    let s = stack();
    for t in common::databases().await {
        let mb = setup(&t.db, &s, "acta", 3, &["INBOX", "Trash"], &[]).await;
        let stranger = member(
            mb.db(),
            &mb.owner,
            &format!("stranger-{}@acme.com", mb.user),
        )
        .await;
        let elsewhere = admin(mb.db(), &format!("other-{}@acme.com", mb.user)).await;
        let rows = mb.rows("INBOX").await;
        let r = rows.iter().find(|r| !r.seen).unwrap().clone();
        let trash = mb.folder_id("Trash").await;
        for actor in [&stranger, &elsewhere] {
            for action in [
                MarkRead,
                MessageAction::Flag,
                MoveTo(trash),
                Delete,
                Archive,
            ] {
                let err = act(&mb.st, actor, &[r.id], action).await.unwrap_err();
                assert!(
                    matches!(err, ServiceError::NotFound),
                    "{}: {err:?}",
                    t.backend
                );
            }
            let err = failures(mb.db(), actor, Some(mb.id)).await.unwrap_err();
            assert!(matches!(err, ServiceError::NotFound));
            assert!(failures(mb.db(), actor, None).await.unwrap().is_empty());
        }
        // A selection with one message the caller cannot see changes nothing.
        let err = act(&mb.st, &mb.owner, &[r.id, i64::MAX], MarkRead)
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceError::NotFound));
        assert_eq!(mb.row(r.id).await.unwrap(), r, "{}: unchanged", t.backend);
        assert_eq!(
            message_action::Entity::find().count(mb.db()).await.unwrap(),
            0
        );

        // The grantee acts; a failure of the shared mailbox is theirs to handle too.
        let worker = mb.worker();
        assert_eq!(
            act(&mb.st, &mb.grantee, &[r.id], MarkRead).await.unwrap(),
            1
        );
        mb.written().await;
        assert!(
            on_server(&s, &mb.user, "INBOX").await[&r.uid].seen,
            "{}",
            t.backend
        );
        let mut stuck = mailbox::Entity::find_by_id(mb.id)
            .one(mb.db())
            .await
            .unwrap()
            .unwrap()
            .into_active_model();
        stuck.status = Set(domain::MailboxStatus::NeedsReconnect);
        stuck.update(mb.db()).await.unwrap();
        act(&mb.st, &mb.grantee, &[r.id], MarkUnread).await.unwrap();
        let failure = one_failure(&mb).await;
        assert!(failure.error.contains("new password"), "{}", failure.error);
        for actor in [&stranger, &elsewhere] {
            let err = retry_failure(&mb.st, actor, failure.id).await.unwrap_err();
            assert!(matches!(err, ServiceError::NotFound));
            let err = dismiss_failure(mb.db(), actor, failure.id)
                .await
                .unwrap_err();
            assert!(matches!(err, ServiceError::NotFound));
        }
        assert_eq!(failures(mb.db(), &mb.grantee, None).await.unwrap().len(), 1);
        dismiss_failure(mb.db(), &mb.grantee, failure.id)
            .await
            .unwrap();
        assert!(failures(mb.db(), &mb.owner, None).await.unwrap().is_empty());
        worker.shutdown().await;
    }
}

#[tokio::test]
async fn a_sync_before_the_write_back_leaves_one_copy_and_the_change() {
    let s = stack();
    for t in common::databases().await {
        let mb = setup(&t.db, &s, "acts", 5, &["INBOX", "Archive"], &[]).await;
        let rows = mb.rows("INBOX").await;
        let unseen = rows.iter().find(|r| !r.seen).unwrap().clone();
        let moving = rows.iter().find(|r| r.id != unseen.id).unwrap().clone();
        let archive = mb.folder_id("Archive").await;
        act(&mb.st, &mb.owner, &[unseen.id], MarkRead)
            .await
            .unwrap();
        act(&mb.st, &mb.owner, &[moving.id], MoveTo(archive))
            .await
            .unwrap();
        // New mail makes the sync look at every folder before anything is written.
        seed(&mb.user, 1, "INBOX");
        seed(&mb.user, 1, "Archive");
        mb.sync().await;

        let worker = mb.worker();
        mb.written().await;
        mb.sync().await;
        assert_same(&mb.st, &s, &mb.user, mb.id, "INBOX").await;
        assert_same(&mb.st, &s, &mb.user, mb.id, "Archive").await;
        let copies = mb.copies(moving.message_id.as_deref().unwrap()).await;
        assert_eq!(copies.len(), 1, "{}: one copy", t.backend);
        assert!(copies[0].folder_id == archive && copies[0].uid > 0);
        let read = mb.copies(unseen.message_id.as_deref().unwrap()).await;
        assert!(read.len() == 1 && read[0].seen, "{}: still read", t.backend);
        assert!(on_server(&s, &mb.user, "INBOX").await[&unseen.uid].seen);
        assert!(
            mail_actions::failures(mb.db(), &mb.owner, None)
                .await
                .unwrap()
                .is_empty()
        );
        worker.shutdown().await;
    }
}

#[tokio::test]
async fn a_write_to_a_folder_reset_on_the_server_is_shown_as_stale() {
    let s = stack();
    for t in common::databases().await {
        let mb = setup(&t.db, &s, "actv", 1, &["INBOX", "Temp"], &["Temp"]).await;
        seed(&mb.user, 2, "Temp");
        mb.sync().await;
        let worker = mb.worker();
        let r = mb.rows("Temp").await.remove(0);
        let flagged = r.flagged;
        // Deleted and created again: same name, new UIDVALIDITY, the old UIDs mean nothing.
        server_folder(&s, &mb.user, "Temp", false).await;
        server_folder(&s, &mb.user, "Temp", true).await;
        let action = if flagged { Unflag } else { MessageAction::Flag };
        act(&mb.st, &mb.owner, &[r.id], action).await.unwrap();
        let failure = one_failure(&mb).await;
        assert!(
            failure.error.contains("reset"),
            "{}: {}",
            t.backend,
            failure.error
        );
        assert_eq!(
            mb.row(r.id).await.unwrap().flagged,
            flagged,
            "{}: undone",
            t.backend
        );
        worker.shutdown().await;
    }
}
