//! A sent message's copy in Sent that could not be filed when it went out (the IMAP
//! server unreachable then) is filed later by the send worker, once, against the real
//! Postfix and Dovecot, on SQLite and PostgreSQL.
use crate::common;
use crate::send_fixtures;

use common::{
    mail_stack::stack,
    mailbox_fixtures::{closed_port, set_imap_port},
    wait::wait_until,
};
use domain::SentCopy;
use send_fixtures::*;

/// Points the sender's IMAP at `port` (a closed one, or back at Dovecot).
async fn imap_port(snd: &Sender, port: u16) {
    set_imap_port(snd.db(), snd.id, port).await;
}

#[tokio::test]
async fn a_copy_in_sent_that_failed_is_filed_later_once() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let snd = sender(&t.db, &s, "scopy", Smtp::Direct).await;
        let bob = recipient("scopyb");
        imap_port(&snd, closed_port()).await;
        let subject = format!("Filed later {}", token());
        let id = snd.send_new(&email(&bob), &subject, "Kept in Sent.").await;
        let mid = snd.message_id(id).await;
        let worker = snd.worker();
        snd.wait_sent(&snd.owner, id).await;
        // Sent, its copy failed; a try later fails too while the server stays unreachable.
        let retried = wait_until(DELIVERY, || async {
            draft_row(&snd, id).await.copy_attempts >= 1
        })
        .await;
        assert!(retried.is_some(), "{b}: the copy was never tried again");
        assert_eq!(draft_row(&snd, id).await.sent_copy, "failed", "{b}");
        assert!(copies(&s, &snd.user, "Sent", &mid).await.is_empty(), "{b}");
        // The sender is told (with the next try's time while it is still ahead).
        let told = snd.view(&snd.owner, id).await.sent_copy;
        assert!(matches!(told, SentCopy::Later(_)), "{b}: {told:?}");

        // Reachable again: the next try files it.
        imap_port(&snd, s.imaps).await;
        let filed = wait_until(DELIVERY, || async {
            draft_row(&snd, id).await.sent_copy == "done"
        })
        .await;
        assert!(filed.is_some(), "{b}: {:?}", draft_row(&snd, id).await);
        worker.shutdown().await;
        let row = draft_row(&snd, id).await;
        assert_eq!(row.copy_due_at, None, "{b}: nothing more to try");
        assert_eq!(
            snd.view(&snd.owner, id).await.sent_copy,
            SentCopy::Fine,
            "{b}"
        );
        let in_sent = copies(&s, &snd.user, "Sent", &mid).await;
        assert_eq!(in_sent.len(), 1, "{b}: filed once");
        assert_eq!(in_sent[0].subject(), subject, "{b}");
        assert_eq!(
            wait_copy(&s, &bob, "INBOX", &mid).await.len(),
            1,
            "{b}: sent once"
        );
        // The app shows it in Sent at once, as it does when the copy goes at the first try.
        assert!(!snd.rows(&mid).await.is_empty(), "{b}: stored");
    }
}

/// A server that stays unreachable: the copy is tried a bounded number of times, each
/// wait longer, then given up (the message stays sent).
#[tokio::test]
async fn a_copy_in_sent_is_given_up_after_its_tries() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let snd = sender(&t.db, &s, "scgive", Smtp::Direct).await;
        let bob = recipient("scgivb");
        imap_port(&snd, closed_port()).await;
        let id = snd
            .send_new(&email(&bob), &format!("Never filed {}", token()), "Gone?")
            .await;
        let worker = snd.worker_with(services::sending::SendConfig {
            first_delay: std::time::Duration::from_millis(50),
            ..fast()
        });
        snd.wait_sent(&snd.owner, id).await;
        let given_up = wait_until(DELIVERY, || async {
            draft_row(&snd, id).await.sent_copy == "given_up"
        })
        .await;
        worker.shutdown().await;
        let row = draft_row(&snd, id).await;
        assert!(given_up.is_some(), "{b}: {row:?}");
        assert_eq!((row.copy_attempts, row.copy_due_at), (8, None), "{b}");
        assert_eq!(row.state, domain::SendState::Sent, "{b}");
        let told = snd.view(&snd.owner, id).await.sent_copy;
        assert_eq!(told, SentCopy::GivenUp, "{b}");
    }
}

/// Copies that failed before the retries came (the migration that brought them) are
/// tried again from then on.
#[tokio::test]
async fn copies_that_failed_before_the_upgrade_are_filed_after_it() {
    use sea_orm_migration::MigratorTrait;
    use services::migration::Migrator;
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let snd = sender(&t.db, &s, "scmig", Smtp::Direct).await;
        let bob = recipient("scmigb");
        imap_port(&snd, closed_port()).await;
        let id = snd
            .send_new(&email(&bob), &format!("Before {}", token()), "Old copy.")
            .await;
        let mid = snd.message_id(id).await;
        let worker = snd.worker();
        snd.wait_sent(&snd.owner, id).await;
        worker.shutdown().await;
        assert_eq!(snd.wait_sent_copy(id).await, "failed", "{b}");

        // The database as it was before the migration, then upgraded.
        let back = common::steps_back_to("m20261205_000170_sent_copy_retries");
        let own = common::own_connection(&t.url).await;
        Migrator::down(&own, Some(back)).await.unwrap();
        Migrator::up(&own, None).await.unwrap();
        own.close().await.unwrap();
        let row = draft_row(&snd, id).await;
        assert!(row.copy_due_at.is_some(), "{b}: due again: {row:?}");
        assert_eq!(row.copy_attempts, 0, "{b}");

        imap_port(&snd, s.imaps).await;
        let worker = snd.worker();
        let filed = wait_until(DELIVERY, || async {
            draft_row(&snd, id).await.sent_copy == "done"
        })
        .await;
        worker.shutdown().await;
        assert!(filed.is_some(), "{b}: {:?}", draft_row(&snd, id).await);
        assert_eq!(copies(&s, &snd.user, "Sent", &mid).await.len(), 1, "{b}");
    }
}
