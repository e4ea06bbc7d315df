//! Figure 2: the time from the start of a first sync to a full first page of the list.

use super::{
    common::{mail_stack::stack, sync_fixtures::folder},
    initial::{Fresh, LIMIT},
    met, runtime,
};
use domain::MailScope;
use services::{mail_view::message_list, sync::schedule::Outcome};
use std::time::{Duration, Instant};

/// Figure 2: a first sync on a fresh database; the message list is asked for its first
/// page every 10 ms until it holds 50 rows. Also when the header pass and the run ended.
pub fn first_page(user: &str) {
    let s = stack();
    runtime().block_on(async {
        let fresh = Fresh::connect(&s, user, &["INBOX"], "first-page").await;
        let inbox = folder(&fresh.st.db, fresh.mailbox_id, "INBOX").await;
        let engine = fresh.engine();
        let id = fresh.mailbox_id;
        let t0 = Instant::now();
        let run = tokio::spawn(async move { engine.sync_mailbox(id).await });
        let (mut first, mut headers) = (None, None);
        let mut polls = 0u32;
        while !run.is_finished() && t0.elapsed() < LIMIT {
            if first.is_none() {
                polls += 1;
                let page = message_list(
                    &fresh.st.db,
                    &fresh.owner,
                    MailScope::Folder {
                        mailbox: id,
                        folder: inbox.id,
                    },
                    None,
                )
                    .await
                    .expect("message page");
                if page.messages.len() == 50 {
                    first = Some(t0.elapsed());
                }
            }
            if headers.is_none() {
                let f = folder(&fresh.st.db, id, "INBOX").await;
                if f.in_range > 0 && f.headers_done >= f.in_range {
                    headers = Some(t0.elapsed());
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let outcome = run.await.expect("sync task");
        let done = t0.elapsed();
        assert_eq!(outcome, Outcome::Synced);
        let secs = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64());
        let first_s = secs(first);
        println!(
            "2. First page of the message list during a first sync of {user}'s INBOX (fresh SQLite)"
        );
        println!(
            "   sync start (connect, TLS, login) -> message_list(page 1) holds 50 rows: {first_s:.2} s \
             (goal < 2 s: {}; {polls} polls, every 10 ms)",
            met(first_s < 2.0)
        );
        println!(
            "   header pass complete: {:.2} s; whole run (bodies too): {:.2} s",
            secs(headers),
            done.as_secs_f64()
        );
        fresh.remove().await;
    });
}
