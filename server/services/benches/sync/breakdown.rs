//! Figure 1's diagnostics (child process): where our sync's time goes — the raw download
//! with our IMAP client, mail-parser over the messages, and `sync::store`'s writes.

use super::{
    common::{mail_stack::stack, sync_fixtures::folder},
    initial::Fresh,
    runtime,
};
use futures_util::TryStreamExt;
use services::{
    mail::login::{CheckOptions, Login, open_session},
    sync::{
        fetch, parse,
        store::{self, Flags, FolderKey, HeaderRow},
    },
};
use std::time::Instant;

/// Child: the raw fetch with our IMAP client (async-imap over tokio-rustls), then, for the
/// breakdown, mail-parser over the fetched messages and storing them with `sync::store`.
pub fn raw_rust(user: &str) {
    let s = stack();
    runtime().block_on(async {
        let trust = services::mail::tls::MailTrust::new(Some(&s.ca)).expect("CA");
        let login = Login::new(format!("{user}@example.test"), format!("{user}-pass-1"));
        let t0 = Instant::now();
        let (mut session, _) = open_session(&s.imaps_server(), &login, &CheckOptions::new(trust))
            .await
            .expect("login");
        let exists = session.examine("INBOX").await.expect("EXAMINE").exists;
        let login_seconds = t0.elapsed().as_secs_f64();
        let mut raw: Vec<(i64, Vec<u8>)> = Vec::new();
        // In commands of 1,000 messages: one answer of a whole large mailbox would pass
        // the session's response bound (as it would for the engine).
        for start in (1..=exists).step_by(1000) {
            let end = (start + 999).min(exists);
            let mut stream = session
                .fetch(format!("{start}:{end}"), "(UID BODY.PEEK[])")
                .await
                .expect("FETCH");
            while let Some(f) = stream.try_next().await.expect("fetch") {
                raw.push((
                    i64::from(f.uid.unwrap_or(0)),
                    f.body().unwrap_or_default().to_vec(),
                ));
            }
        }
        let seconds = t0.elapsed().as_secs_f64();
        let bytes: usize = raw.iter().map(|(_, b)| b.len()).sum();

        // The engine's header pass on the wire: header fields in batches of 500, newest
        // first, envelopes parsed (`sync::fetch::headers`), nothing stored.
        let t = Instant::now();
        let mut uids: Vec<i64> = raw.iter().map(|(uid, _)| *uid).collect();
        uids.sort_unstable_by(|a, b| b.cmp(a));
        for chunk in uids.chunks(500) {
            fetch::headers(&mut session, chunk, 256 << 10)
                .await
                .expect("headers");
        }
        let header_seconds = t.elapsed().as_secs_f64();
        session.logout().await.ok();

        let t1 = Instant::now();
        let parsed: Vec<_> = raw
            .iter()
            .map(|(uid, b)| (*uid, b.len(), parse::message(b)))
            .collect();
        let parse_seconds = t1.elapsed().as_secs_f64();

        // The same writes the engine makes (headers in 500s, bodies in 250s), no IMAP.
        let fresh = Fresh::connect(&s, user, &["INBOX"], "store").await;
        let inbox = folder(&fresh.st.db, fresh.mailbox_id, "INBOX").await;
        let key = FolderKey {
            mailbox_id: fresh.mailbox_id,
            folder_id: inbox.id,
            uidvalidity: 1,
        };
        let t2 = Instant::now();
        for chunk in parsed.chunks(500) {
            let rows = chunk
                .iter()
                .map(|(uid, size, (envelope, _))| HeaderRow {
                    uid: *uid,
                    flags: Flags::default(),
                    received_at: chrono::Utc::now(),
                    size: *size as i64,
                    envelope: envelope.clone(),
                })
                .collect();
            store::insert_headers(&fresh.st.db, key, rows, false)
                .await
                .expect("insert headers");
        }
        let store_headers_seconds = t2.elapsed().as_secs_f64();
        for chunk in parsed.chunks(250) {
            let bodies = chunk
                .iter()
                .map(|(uid, _, (_, content))| (*uid, content.clone()))
                .collect();
            store::store_bodies(&fresh.st.db, key, bodies, None)
                .await
                .expect("store bodies");
        }
        let store_seconds = t2.elapsed().as_secs_f64();
        fresh.remove().await;
        println!(
            "seconds={seconds:.3} messages={} bytes={bytes} login_seconds={login_seconds:.3} \
             header_seconds={header_seconds:.3} parse_seconds={parse_seconds:.3} \
             store_seconds={store_seconds:.3} store_headers_seconds={store_headers_seconds:.3}",
            raw.len()
        );
    });
}
