//! `later USER [REPS]`: a later run of a mailbox already synced, with what a few minutes
//! bring between two runs: 5 new messages and 20 messages' flags changed by another
//! client. Median of REPS runs, against a run that finds nothing changed (EXAMINE and the
//! fast path) in the same minutes. Run behind `scripts/bench-link RTT_MS` to see a link's
//! round trips. The messages it appends are removed at the end, and the flags it changed
//! put back (REPS even).

use super::{
    common::{mail_stack::stack, sync_fixtures::other_client},
    initial::Fresh,
    median, runtime,
};
use futures_util::TryStreamExt;
use services::sync::schedule::Outcome;
use std::time::Instant;

pub fn later(user: &str, reps: usize) {
    let s = stack();
    runtime().block_on(async {
        let fresh = Fresh::connect(&s, user, &["INBOX"], "later").await;
        let engine = fresh.engine();
        let id = fresh.mailbox_id;
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        let mut other = other_client(&s, user).await;
        let inbox = other.select("INBOX").await.expect("SELECT");
        let first_new = inbox.uid_next.expect("UIDNEXT");
        let (mut changed, mut unchanged) = (Vec::new(), Vec::new());
        for rep in 0..reps {
            for n in 0..5 {
                let raw = format!(
                    "From: later@example.test\r\nSubject: later {rep}.{n}\r\n\
                     Message-ID: <later-{rep}-{n}-{first_new}@example.test>\r\n\r\nNew.\r\n"
                );
                other
                    .append("INBOX", None, None, raw.as_bytes())
                    .await
                    .expect("APPEND");
            }
            let change = if rep % 2 == 0 {
                "+FLAGS (\\Flagged)"
            } else {
                "-FLAGS (\\Flagged)"
            };
            let _: Vec<_> = other
                .uid_store("1:20", change)
                .await
                .expect("STORE")
                .try_collect()
                .await
                .expect("STORE answers");
            let t = Instant::now();
            assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
            changed.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
            unchanged.push(t.elapsed().as_secs_f64());
        }
        let _: Vec<_> = other
            .uid_store(format!("{first_new}:*"), "+FLAGS (\\Deleted)")
            .await
            .expect("STORE")
            .try_collect()
            .await
            .expect("STORE answers");
        let _: Vec<_> = other
            .expunge()
            .await
            .expect("EXPUNGE")
            .try_collect()
            .await
            .expect("EXPUNGE answers");
        other.logout().await.ok();
        let (changed, unchanged) = (median(&changed), median(&unchanged));
        println!(
            "later run of {user}'s INBOX (5 new, 20 flags changed), median of {reps}: {:.1} ms; \
             nothing changed: {:.1} ms ({:.2}x)",
            changed * 1e3,
            unchanged * 1e3,
            changed / unchanged
        );
        fresh.remove().await;
    });
}
