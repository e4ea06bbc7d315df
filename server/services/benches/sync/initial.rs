//! Figures 1, 2 and 6: the initial sync of a 10,000-message INBOX into a fresh SQLite
//! database (ours) against mbsync and a raw fetch, the time to a full first page of the
//! message list, and the peak memory of the syncing process.

use super::{
    baseline, child,
    common::{
        mail_stack::{Stack, stack},
        mailbox_fixtures::{admin, request, settings, state},
        sync_fixtures::folder,
    },
    get, list, mb, median, met, reset_peak_rss, runtime, status_kb, work_dir,
};
use domain::{Access, SyncPeriod};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use services::{
    AppState,
    accounts::Actor,
    entities::message,
    mail_view::search_index,
    mailboxes,
    sync::{SyncEngine, schedule::Outcome, store::BodyState},
};
use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

/// A fresh database (SQLite unless made with [`Fresh::connect_url`]) with `user`'s mailbox
/// connected through the service API (login check, draft, connect) for `folders`, period 1
/// year.
pub struct Fresh {
    pub st: AppState,
    pub owner: Actor,
    pub mailbox_id: i64,
    pub dir: PathBuf,
}

impl Fresh {
    pub async fn connect(s: &Stack, user: &str, folders: &[&str], tag: &str) -> Fresh {
        let dir = work_dir(tag);
        let url = format!("sqlite://{}?mode=rwc", dir.join("mail.db").display());
        Self::connect_url(s, user, folders, &url, dir).await
    }

    /// The same on the empty database at `url` (e.g. a fresh PostgreSQL database); `dir`
    /// is removed by [`Fresh::remove`] (the SQLite files' directory, or an empty one).
    pub async fn connect_url(
        s: &Stack,
        user: &str,
        folders: &[&str],
        url: &str,
        dir: PathBuf,
    ) -> Fresh {
        let db = services::db::connect_and_migrate(url)
            .await
            .expect("fresh database");
        let st = state(db, s);
        let owner = admin(&st.db, &format!("owner-{user}@acme.com")).await;
        let draft = mailboxes::check_and_draft(&st, &owner, request(s, user))
            .await
            .expect("login check of the bench user");
        let mut chosen = settings(Access::Personal, vec![]);
        chosen.folders = folders.iter().map(|f| (*f).to_owned()).collect();
        chosen.period = SyncPeriod::Year;
        let mailbox_id = mailboxes::connect(&st, &owner, &draft, chosen)
            .await
            .expect("connect");
        Fresh {
            st,
            owner,
            mailbox_id,
            dir,
        }
    }

    /// The engine as the server builds it (8 connections per host, 15 s connect bound).
    pub fn engine(&self) -> SyncEngine {
        let mut engine = SyncEngine::new(
            self.st.db.clone(),
            self.st.master_key.clone(),
            self.st.mail_trust.clone(),
            8,
        );
        engine.connect_timeout = Duration::from_secs(15);
        engine
    }

    /// Bytes of the database files (main file + WAL).
    pub fn db_bytes(&self) -> u64 {
        ["mail.db", "mail.db-wal"]
            .iter()
            .filter_map(|f| std::fs::metadata(self.dir.join(f)).ok())
            .map(|m| m.len())
            .sum()
    }

    pub async fn remove(self) {
        self.st.db.close().await.ok();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) const LIMIT: Duration = Duration::from_secs(300);

/// Figure 1 (and 6): `reps` rounds of raw fetch (python, async-imap), mbsync and ours,
/// each in a fresh process and a fresh store; medians and ratios.
pub fn sync10k(user: &str, reps: usize) {
    let s = stack();
    // Warm-up (not counted): Dovecot's index and cache, the page cache.
    let (_, n) = baseline::python_fetch(user, "INBOX");
    println!(
        "1. Initial sync of {user}'s INBOX ({n} messages, period 1y), {reps} rounds, each a fresh process and store"
    );
    let mut py = Vec::new();
    let mut rs = Vec::new();
    let mut parse_s = Vec::new();
    let mut header_s = Vec::new();
    let mut login_s = Vec::new();
    let mut store_s = Vec::new();
    let mut store_h = Vec::new();
    let mut mbs = Vec::new();
    let mut ours = Vec::new();
    let mut index_s = Vec::new();
    let mut hwm = Vec::new();
    let mut rss_before = Vec::new();
    let mut mb_rss = Vec::new();
    let mut py_rss = Vec::new();
    for round in 1..=reps {
        // Each measured run starts with no dirty pages of an earlier one being written back.
        settle();
        let (p, count) = baseline::python_fetch(user, "INBOX");
        assert_eq!(count, n, "the raw fetch saw every message");
        let r = child(&["raw-rust", user], LIMIT);
        let dir = work_dir("mbsync");
        baseline::write_mbsync_config(&s, user, &dir, &["INBOX"]);
        settle();
        let m = baseline::mbsync(&dir);
        let files = baseline::maildir_messages(&dir.join("maildir"));
        assert_eq!(files, n, "mbsync stored every message");
        let _ = std::fs::remove_dir_all(&dir);
        settle();
        let o = child(&["sync-once", user], LIMIT);
        let rows: usize = get(&o, "rows");
        let bodies: usize = get(&o, "bodies");
        assert_eq!(
            o.get("outcome").map(String::as_str),
            Some("synced"),
            "{o:?}"
        );
        assert_eq!(rows, n, "ours stored every message once");
        let (secs, ours_hwm): (f64, u64) = (get(&o, "seconds"), get(&o, "hwm_kb"));
        println!(
            "   round {round}: raw(python) {:.2} s  raw(async-imap) {:.2} s  mbsync {:.2} s  ours {:.2} s \
             ({rows} rows, {bodies} bodies, db {:.0} MB)",
            p.seconds,
            get::<f64>(&r, "seconds"),
            m.seconds,
            secs,
            get::<f64>(&o, "db_bytes") / 1e6,
        );
        py.push(p.seconds);
        py_rss.push(p.max_rss_kb as f64);
        rs.push(get(&r, "seconds"));
        parse_s.push(get(&r, "parse_seconds"));
        header_s.push(get(&r, "header_seconds"));
        login_s.push(get(&r, "login_seconds"));
        store_s.push(get(&r, "store_seconds"));
        store_h.push(get(&r, "store_headers_seconds"));
        mbs.push(m.seconds);
        mb_rss.push(m.max_rss_kb as f64);
        ours.push(secs);
        index_s.push(get(&o, "index_seconds"));
        hwm.push(ours_hwm as f64);
        rss_before.push(get(&o, "rss_before_kb"));
    }
    let (raw, mbsync, our) = (median(&py), median(&mbs), median(&ours));
    let line = |label: &str, v: f64, all: &[f64]| {
        let runs = if all.is_empty() {
            String::new()
        } else {
            format!("   [{}]", list(all, 2))
        };
        println!("   {label:<64}{v:>6.2} s{runs}");
    };
    println!("   medians:");
    line("raw UID FETCH 1:* (BODY.PEEK[]), python imaplib", raw, &py);
    line("mbsync 1.4 into a fresh Maildir (FSync no)", mbsync, &mbs);
    line("ours: sync_mailbox into a fresh SQLite (WAL)", our, &ours);
    println!(
        "   ours / mbsync = {:.2}  (goal <= 1: {})",
        our / mbsync,
        met(our <= mbsync)
    );
    println!(
        "   ours / raw    = {:.2}  (goal <= 1.5: {})",
        our / raw,
        met(our <= 1.5 * raw)
    );
    let index = median(&index_s);
    line(
        "then the full-text index catches up (background task, SQLite)",
        index,
        &index_s,
    );
    println!(
        "   (ours + index) / raw = {:.2}: when every message is also searchable",
        (our + index) / raw
    );
    let best = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "   best runs: raw {:.2} s, mbsync {:.2} s, ours {:.2} s -> ours / mbsync = {:.2}, ours / raw = {:.2}",
        best(&py),
        best(&mbs),
        best(&ours),
        best(&ours) / best(&mbs),
        best(&ours) / best(&py)
    );
    println!("   where the time goes (diagnostics, same rounds, medians):");
    line(
        "  raw UID FETCH with async-imap (our IMAP client), bytes only",
        median(&rs),
        &rs,
    );
    line(
        "    of which connect + TLS + login + EXAMINE",
        median(&login_s),
        &[],
    );
    line(
        "  header fields in batches of 500 (sync::fetch::headers)",
        median(&header_s),
        &[],
    );
    line(
        &format!("  mail-parser on the {n} whole messages, one thread"),
        median(&parse_s),
        &[],
    );
    line(
        "  store::insert_headers + store_bodies of them, fresh SQLite",
        median(&store_s),
        &[],
    );
    line(
        "    of which insert_headers (500 rows a transaction)",
        median(&store_h),
        &[],
    );
    println!("6. Peak memory during that sync (medians)");
    println!(
        "   ours: VmHWM of the syncing process {:.0} MB (reset after setup; RSS before the sync {:.0} MB)",
        mb(median(&hwm) as u64),
        mb(median(&rss_before) as u64)
    );
    println!(
        "   mbsync max RSS {:.0} MB; python raw fetch max RSS {:.0} MB (/usr/bin/time -f %M)",
        mb(median(&mb_rss) as u64),
        mb(median(&py_rss) as u64)
    );
}

/// Flushes dirty pages (`sync`), so a run does not pay for the previous one's writes.
pub(crate) fn settle() {
    let _ = std::process::Command::new("sync").status();
}

/// Child: one first sync of `user`'s INBOX into a fresh SQLite; prints its time, rows and
/// the peak RSS of the sync itself.
pub fn sync_once(user: &str) {
    let s = stack();
    runtime().block_on(async {
        let fresh = Fresh::connect(&s, user, &["INBOX"], "ours").await;
        let engine = fresh.engine();
        let reset = reset_peak_rss();
        let before = status_kb("VmRSS");
        let t0 = Instant::now();
        let outcome = engine.sync_mailbox(fresh.mailbox_id).await;
        let seconds = t0.elapsed().as_secs_f64();
        let hwm = status_kb("VmHWM");
        let inbox = folder(&fresh.st.db, fresh.mailbox_id, "INBOX").await;
        let rows = message::Entity::find()
            .filter(message::Column::FolderId.eq(inbox.id))
            .count(&fresh.st.db)
            .await
            .expect("count");
        let bodies = message::Entity::find()
            .filter(message::Column::FolderId.eq(inbox.id))
            .filter(message::Column::BodyState.ne(BodyState::Pending.as_str()))
            .count(&fresh.st.db)
            .await
            .expect("count");
        // What the server's background task does next: the full-text index catches up.
        let t1 = Instant::now();
        let left = search_index::catch_up(&fresh.st.db, u64::MAX).await;
        let index_seconds = t1.elapsed().as_secs_f64();
        assert_eq!(left.expect("index catch-up"), 0);
        let outcome = match outcome {
            Outcome::Synced => "synced".to_owned(),
            other => format!("{other:?}").replace(' ', "_"),
        };
        let db_bytes = fresh.db_bytes();
        fresh.remove().await;
        println!(
            "seconds={seconds:.3} outcome={outcome} rows={rows} bodies={bodies} rss_before_kb={before} \
             hwm_kb={hwm} hwm_reset={reset} db_bytes={db_bytes} index_seconds={index_seconds:.3}"
        );
    });
}
