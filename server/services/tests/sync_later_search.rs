//! A later run of a folder (its changes asked for since the remembered HIGHESTMODSEQ) sends
//! its first search while it reads what is stored of the folder, not after: against the fake
//! server, on PostgreSQL, where another session holds the table of write-backs on their way
//! (`message_actions`, which that read takes in) locked so that the read waits: the search
//! and its CHANGEDSINCE still go out. SQLite never makes a reader wait for a lock.

use crate::{common, fake_imap::Behaviour, sync_round_trips::on_fake};
use common::{
    mail_stack::stack,
    mailbox_fixtures::state,
    sync_fixtures::{folder, rows},
    wait::wait_until,
};
use sea_orm::{ConnectionTrait, TransactionTrait};
use services::sync::schedule::Outcome;
use std::{sync::atomic::Ordering, time::Duration};

#[tokio::test]
async fn a_later_runs_first_search_goes_out_while_its_stored_rows_are_read() {
    let s = stack();
    let t = common::postgres().await;
    let st = state(t.db.clone(), &s);
    let behaviour = Behaviour {
        condstore: true,
        ..Behaviour::default()
    };
    let modseq = behaviour.highest_modseq.clone();
    let (fake, id, engine) = on_fake(&st, &s, behaviour).await;
    assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
    fake.wait_idle().await;
    modseq.store(2, Ordering::SeqCst);
    let before = fake.commands().len();
    // Reading the write-backs on their way waits while this lock is held.
    let lock = t.db.begin().await.unwrap();
    lock.execute_unprepared("LOCK TABLE message_actions IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let run = tokio::spawn({
        let engine = engine.clone();
        async move { engine.sync_mailbox(id).await }
    });
    let asked = wait_until(Duration::from_secs(10), || {
        let sent = fake.commands();
        async move {
            sent[before..]
                .iter()
                .any(|c| c.contains("(CHANGEDSINCE 1)"))
        }
    })
    .await;
    lock.rollback().await.unwrap();
    let sent = &fake.commands()[before..];
    assert!(
        asked.is_some(),
        "the changes asked for while the read waited: {sent:?}"
    );
    assert_eq!(run.await.unwrap(), Outcome::Synced);
    assert_eq!(folder(&t.db, id, "INBOX").await.highest_modseq, Some(2));
    assert_eq!(rows(&t.db, id).await.len(), 3, "every message once");
}
