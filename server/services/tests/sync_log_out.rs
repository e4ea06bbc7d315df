//! A sync run is done once its mail is stored: its LOGOUT's answer is read on a task of its
//! own, which keeps the run's place under its host's connection limit until the connection
//! is closed. On SQLite and PostgreSQL, against the fake server (`tests/fake_imap`), which
//! holds LOGOUT's answer until the test lets it go; needs the mail stack (its CA and
//! certificate, and the real Postfix for the connect wizard's SMTP check).

use crate::{common, fake_imap::Behaviour, sync_round_trips::on_fake};
use common::{mail_stack::stack, mailbox_fixtures::state, sync_fixtures::rows};
use services::sync::{SyncEngine, schedule::Outcome};
use std::{sync::atomic::Ordering, time::Duration};

#[tokio::test]
async fn a_run_is_done_before_its_logout_is_answered_and_keeps_its_slot_until_then() {
    let s = stack();
    for t in common::databases().await {
        let b = t.backend;
        let st = state(t.db.clone(), &s);
        let behaviour = Behaviour::default();
        let (held, let_go) = (
            behaviour.held_logout.clone(),
            behaviour.logouts_let_go.clone(),
        );
        let (fake, id, _) = on_fake(&st, &s, behaviour).await;
        // The connect wizard's check has logged out and gone.
        fake.wait_idle().await;
        let before = fake.commands().len();
        held.store(true, Ordering::SeqCst);
        // One connection at a time to the host.
        let engine = SyncEngine::new(
            st.db.clone(),
            st.master_key.clone(),
            st.mail_trust.clone(),
            1,
        );
        // A run that waited for LOGOUT's answer would wait out its bound, 5 s.
        let first = tokio::time::timeout(Duration::from_secs(4), engine.sync_mailbox(id)).await;
        assert_eq!(first, Ok(Outcome::Synced), "{b}: done, LOGOUT unanswered");
        assert_eq!(rows(&t.db, id).await.len(), 3, "{b}: every message stored");
        // Its connection still holds the host's one slot.
        assert_eq!(engine.connections_to("localhost"), 1, "{b}");
        // The host's next run waits for the first connection to be closed, which it is once
        // LOGOUT is answered; then it runs as usual.
        let next = tokio::spawn({
            let engine = engine.clone();
            async move { engine.sync_mailbox(id).await }
        });
        let_go.add_permits(2);
        assert_eq!(next.await.unwrap(), Outcome::Synced, "{b}");
        assert_eq!(fake.peak_connections(), 1, "{b}: one connection at a time");
        fake.wait_idle().await;
        let sent = &fake.commands()[before..];
        let count = |what: &str| sent.iter().filter(|c| c.starts_with(what)).count();
        assert_eq!((count("LOGIN"), count("LOGOUT")), (2, 2), "{b}: {sent:?}");
    }
}
