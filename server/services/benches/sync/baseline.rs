//! The baselines, run as child processes: `mbsync` (Debian isync) into a Maildir and a raw
//! `UID FETCH 1:* (BODY.PEEK[])` with python3's imaplib (`scripts/bench-imap`). Peak memory
//! of each comes from `/usr/bin/time -f %M`.

use super::{common::mail_stack::Stack, kv, repo, run_bounded};
use std::{
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

pub struct Run {
    pub seconds: f64,
    pub max_rss_kb: u64,
}

fn max_rss(file: &Path) -> u64 {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .next_back()
        .unwrap_or(0)
}

/// An mbsync configuration pulling `folders` of `user` into `maildir`: IMAPS to
/// `localhost` (mbsync ignores IP SANs) trusting the stack's CA, no fsync, the sync state
/// kept in the Maildir. mbsync 1.4 spells the TLS option `SSLType` (`TLSType` from 1.5).
pub fn write_mbsync_config(
    s: &Stack,
    user: &str,
    dir: &Path,
    folders: &[&str],
) -> std::path::PathBuf {
    let maildir = dir.join("maildir");
    std::fs::create_dir_all(&maildir).expect("maildir");
    let config = format!(
        "FSync no\n\n\
         IMAPAccount bench\nHost localhost\nPort {port}\nUser {user}@example.test\n\
         Pass {user}-pass-1\nSSLType IMAPS\nCertificateFile {ca}\n\n\
         IMAPStore far\nAccount bench\n\n\
         MaildirStore near\nPath {md}/\nInbox {md}/INBOX\nSubFolders Verbatim\n\n\
         Channel bench\nFar :far:\nNear :near:\nPatterns {patterns}\nCreate Near\n\
         Sync Pull\nSyncState *\n",
        port = s.imaps,
        ca = s.ca.display(),
        md = maildir.display(),
        patterns = folders.join(" "),
    );
    let path = dir.join("mbsyncrc");
    std::fs::write(&path, config).expect("mbsyncrc");
    path
}

/// One `mbsync -a` run with the configuration in `dir`.
pub fn mbsync(dir: &Path) -> Run {
    let rss = dir.join("mbsync.rss");
    let t0 = Instant::now();
    run_bounded(
        Command::new("/usr/bin/time")
            .args(["-f", "%M", "-o"])
            .arg(&rss)
            .args(["mbsync", "-q", "-c"])
            .arg(dir.join("mbsyncrc"))
            .arg("-a"),
        Duration::from_secs(300),
    );
    Run {
        seconds: t0.elapsed().as_secs_f64(),
        max_rss_kb: max_rss(&rss),
    }
}

/// Message files in a Maildir tree (every `cur/` and `new/`).
pub fn maildir_messages(dir: &Path) -> usize {
    let mut n = 0;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        match path.file_name().and_then(|n| n.to_str()) {
            Some("cur" | "new") => n += std::fs::read_dir(&path).map_or(0, |d| d.count()),
            Some("tmp") => {}
            _ => n += maildir_messages(&path),
        }
    }
    n
}

/// The raw fetch of every message of `folder` (connect, login, EXAMINE, one UID FETCH),
/// timed by the script itself. Returns the run and the message count.
pub fn python_fetch(user: &str, folder: &str) -> (Run, usize) {
    let rss = std::env::temp_dir().join(format!("bench-py-{}.rss", uuid::Uuid::new_v4().simple()));
    let (out, _) = run_bounded(
        Command::new("/usr/bin/time")
            .args(["-f", "%M", "-o"])
            .arg(&rss)
            .arg(repo().join("scripts/bench-imap"))
            .args([
                "fetch",
                &format!("{user}@example.test"),
                &format!("{user}-pass-1"),
                folder,
            ]),
        Duration::from_secs(300),
    );
    let map = kv(out.lines().last().unwrap_or_default());
    let run = Run {
        seconds: super::get(&map, "seconds"),
        max_rss_kb: max_rss(&rss),
    };
    let _ = std::fs::remove_file(&rss);
    (run, super::get(&map, "messages"))
}
