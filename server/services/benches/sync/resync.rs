//! Figure 3: a re-sync when nothing changed on the server, over several folders: ours
//! (EXAMINE per folder, the CONDSTORE fast path) against mbsync's no-change run.

use super::{
    baseline, common::mail_stack::stack, initial::Fresh, list, median, met, runtime, work_dir,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use services::{entities::message, sync::schedule::Outcome};
use std::time::{Duration, Instant};

pub fn resync(user: &str, folders: &[String], reps: usize) {
    assert!(!folders.is_empty(), "resync10 USER FOLDER...");
    let s = stack();
    let names: Vec<&str> = folders.iter().map(String::as_str).collect();

    let dir = work_dir("mbsync-resync");
    baseline::write_mbsync_config(&s, user, &dir, &names);
    let mb_first = baseline::mbsync(&dir);
    let files = baseline::maildir_messages(&dir.join("maildir"));
    let mut mb_runs = Vec::new();
    for _ in 0..reps {
        // mbsync sleeps a second when a Maildir changed within the current second; a real
        // re-sync comes minutes later, so let that second pass.
        std::thread::sleep(Duration::from_millis(1100));
        mb_runs.push(baseline::mbsync(&dir).seconds);
    }
    assert_eq!(
        baseline::maildir_messages(&dir.join("maildir")),
        files,
        "a no-change run changes nothing"
    );
    let _ = std::fs::remove_dir_all(&dir);

    let (first, ours, rows) = runtime().block_on(async {
        let fresh = Fresh::connect(&s, user, &names, "resync").await;
        let engine = fresh.engine();
        let t0 = Instant::now();
        assert_eq!(engine.sync_mailbox(fresh.mailbox_id).await, Outcome::Synced);
        let first = t0.elapsed().as_secs_f64();
        let count = || async {
            message::Entity::find()
                .filter(message::Column::MailboxId.eq(fresh.mailbox_id))
                .count(&fresh.st.db)
                .await
                .expect("count")
        };
        let rows = count().await;
        let mut runs = Vec::new();
        for _ in 0..reps {
            let t = Instant::now();
            assert_eq!(engine.sync_mailbox(fresh.mailbox_id).await, Outcome::Synced);
            runs.push(t.elapsed().as_secs_f64());
        }
        assert_eq!(count().await, rows, "a no-change run changes nothing");
        fresh.remove().await;
        (first, runs, rows)
    });
    assert_eq!(
        rows as usize, files,
        "ours and mbsync hold the same messages"
    );

    let (our, theirs) = (median(&ours), median(&mb_runs));
    println!(
        "3. No-change re-sync of {} folders ({files} messages in all), median of {reps} runs",
        names.len()
    );
    println!(
        "   mbsync  {:>6.0} ms   [{}] ms   (its first sync: {:.2} s)",
        theirs * 1e3,
        list(&mb_runs.iter().map(|v| v * 1e3).collect::<Vec<_>>(), 0),
        mb_first.seconds
    );
    println!(
        "   ours    {:>6.0} ms   [{}] ms   (its first sync: {first:.2} s)",
        our * 1e3,
        list(&ours.iter().map(|v| v * 1e3).collect::<Vec<_>>(), 0),
    );
    println!(
        "   ours / mbsync = {:.2}  (ours <= mbsync: {})",
        our / theirs,
        met(our <= theirs)
    );
}
