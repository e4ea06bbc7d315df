//! The sync engine against the real Dovecot, on SQLite and PostgreSQL: every message
//! once, bodies and progress, changes made by another client, UIDVALIDITY resets, moves,
//! malformed and oversized mail, a password changed on the server.

use crate::common;

use common::{mail_stack::stack, mailbox_fixtures::state, sync_fixtures::*};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use services::{
    entities::message,
    sync::{schedule::Outcome, store::BodyState},
};

#[tokio::test]
async fn first_sync_stores_every_message_once_with_bodies_and_progress() {
    let s = stack();
    let user = mail_user("sync");
    seed(&user, 150, "INBOX");
    seed(&user, 12, "Sent");
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX", "Sent"]).await;
        let engine = engine(&st);
        sync_and_compare(&engine, &st, &s, &user, id, &["INBOX", "Sent"]).await;

        let inbox = folder(&t.db, id, "INBOX").await;
        assert_eq!(inbox.in_range, 150);
        assert_eq!(inbox.headers_done, 150);
        assert_eq!(inbox.bodies_done, 150);
        assert_eq!(inbox.phase, Some(domain::SyncPhase::Done));
        assert!(inbox.uidvalidity.is_some() && inbox.uidnext.is_some());
        assert!(inbox.highest_modseq.is_some(), "Dovecot offers CONDSTORE");
        let rows = message::Entity::find()
            .filter(message::Column::FolderId.eq(inbox.id))
            .all(&t.db)
            .await
            .unwrap();
        assert!(rows.iter().all(|r| r.body_state == BodyState::Stored));
        assert!(rows.iter().all(|r| !r.thread_id.is_empty()));
        assert!(
            rows.iter()
                .filter(|r| r.text_body.is_some() || r.html_body.is_some())
                .count()
                >= 140,
            "bodies are parsed"
        );
        assert!(
            rows.iter().any(|r| !r.attachments.0.is_empty()),
            "attachments are listed"
        );
        assert!(
            rows.iter().any(|r| r
                .subject
                .chars()
                .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap_or(c)))),
            "Cyrillic subjects decoded"
        );

        // A second run changes nothing and adds nothing.
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        assert_same(&st, &s, &user, id, "INBOX").await;
        // Sync never marks mail read on the server: the unseen ones stay unseen.
        let unseen = server_view(&s, &user, "INBOX")
            .await
            .values()
            .filter(|(_, seen)| !seen)
            .count();
        assert!(unseen > 0, "the seeder leaves some unseen");
    }
}

#[tokio::test]
async fn changes_by_another_client_are_applied() {
    let s = stack();
    let user = mail_user("chg");
    seed(&user, 60, "INBOX");
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX", "Archive"]).await;
        let engine = engine(&st);
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        assert_same(&st, &s, &user, id, "INBOX").await;
        let count_before = server_view(&s, &user, "INBOX").await.len() as i32;

        let mut other = other_client(&s, &user).await;
        other.select("INBOX").await.unwrap();
        let uids: Vec<u32> = {
            let mut v: Vec<u32> = other.uid_search("ALL").await.unwrap().into_iter().collect();
            v.sort_unstable();
            v
        };
        // Flags both ways, an expunge, a move to Archive.
        store_flags(
            &mut other,
            &format!("{},{}", uids[0], uids[1]),
            "-FLAGS (\\Seen)",
        )
        .await;
        store_flags(
            &mut other,
            &format!("{}:{}", uids[2], uids[6]),
            "+FLAGS (\\Seen)",
        )
        .await;
        store_flags(&mut other, &format!("{}", uids[10]), "+FLAGS (\\Deleted)").await;
        expunge(&mut other).await;
        other
            .uid_mv(format!("{}", uids[20]), "Archive")
            .await
            .unwrap();
        other.logout().await.ok();
        seed(&user, 7, "INBOX");

        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        assert_same(&st, &s, &user, id, "INBOX").await;
        assert_same(&st, &s, &user, id, "Archive").await;
        let inbox = folder(&t.db, id, "INBOX").await;
        let archive = folder(&t.db, id, "Archive").await;
        assert_eq!(inbox.in_range, count_before + 7 - 2);
        assert!(archive.in_range >= 1);
    }
}

/// A later run's header pass shows the bodies earlier runs stored, not none: every run that
/// found something new showed "0 / n" bodies and its folder's progress bar at half until
/// its body pass began.
#[tokio::test]
async fn a_later_header_pass_counts_the_bodies_already_stored() {
    let s = stack();
    let user = mail_user("later");
    seed(&user, 40, "INBOX");
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let engine = engine(&st);
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        // One message gone from the server and five new ones since.
        let mut other = other_client(&s, &user).await;
        other.select("INBOX").await.unwrap();
        let first = other
            .uid_search("ALL")
            .await
            .unwrap()
            .into_iter()
            .min()
            .unwrap();
        store_flags(&mut other, &first.to_string(), "+FLAGS (\\Deleted)").await;
        expunge(&mut other).await;
        other.logout().await.ok();
        let kept = server_view(&s, &user, "INBOX").await.len() as i32;
        seed(&user, 5, "INBOX");

        let (mut session, _) = crate::sync_whole_rows::inbox_header_pass(&engine, &t.db, id).await;
        session.logout().await.ok();
        let inbox = folder(&t.db, id, "INBOX").await;
        assert_eq!(
            inbox.phase,
            Some(domain::SyncPhase::Headers),
            "{}",
            t.backend
        );
        // The bodies stored by the first run, and those of the new mail that came whole
        // with the search (messages over 64 KiB come in the body pass).
        let stored = rows(&t.db, id)
            .await
            .iter()
            .filter(|r| r.body_state != BodyState::Pending)
            .count() as i32;
        assert!(stored > kept, "{}: some new mail came whole", t.backend);
        assert_eq!(
            (inbox.in_range, inbox.headers_done, inbox.bodies_done),
            (kept + 5, kept + 5, stored),
            "{}: bodies stored, headers of the new ones too",
            t.backend
        );
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        let inbox = folder(&t.db, id, "INBOX").await;
        assert_eq!(
            (inbox.headers_done, inbox.bodies_done),
            (kept + 5, kept + 5)
        );
    }
}

#[tokio::test]
async fn a_uidvalidity_reset_resyncs_the_folder_without_duplicates() {
    let s = stack();
    let user = mail_user("uidv");
    seed(&user, 40, "Projects/2026");
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX", "Projects/2026"]).await;
        let engine = engine(&st);
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        let before = folder(&t.db, id, "Projects/2026").await;
        let ids_before: Vec<i64> = message::Entity::find()
            .filter(message::Column::FolderId.eq(before.id))
            .all(&t.db)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect();

        // Recreate the folder with the same messages: a new UIDVALIDITY.
        let mut other = other_client(&s, &user).await;
        other.select("Projects/2026").await.unwrap();
        other.uid_copy("1:*", "INBOX").await.unwrap();
        other.close().await.unwrap();
        other.delete("Projects/2026").await.unwrap();
        other.create("Projects/2026").await.unwrap();
        other.select("INBOX").await.unwrap();
        other.uid_copy("1:*", "Projects/2026").await.unwrap();
        other.logout().await.ok();

        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced);
        let after = folder(&t.db, id, "Projects/2026").await;
        assert_ne!(
            after.uidvalidity, before.uidvalidity,
            "the server reset the folder"
        );
        assert_same(&st, &s, &user, id, "Projects/2026").await;
        let mut ids_after: Vec<i64> = message::Entity::find()
            .filter(message::Column::FolderId.eq(after.id))
            .all(&t.db)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect();
        ids_after.sort_unstable();
        let mut ids_before = ids_before.clone();
        ids_before.sort_unstable();
        // Same rows (what the user saw keeps its identity), no twins.
        assert_eq!(ids_after, ids_before);
        // Put INBOX back for the other backend's round.
        let mut other = other_client(&s, &user).await;
        other.select("INBOX").await.unwrap();
        store_flags(&mut other, "1:*", "+FLAGS (\\Deleted)").await;
        expunge(&mut other).await;
        other.logout().await.ok();
    }
}

#[tokio::test]
async fn malformed_and_oversized_messages_are_listed_and_never_stop_the_folder() {
    let s = stack();
    let user = mail_user("bad");
    // Every seeded message stays below the 200 KB limit set below: only "huge" is too large.
    seed_capped(&user, 20, "INBOX", 150_000);
    let hostile: [&[u8]; 5] = [
        b"no header block at all, just text\r\n",
        b"Subject: =?x-unknown?B?AAAA?=\r\nFrom: \xff\xfe broken <@>\r\nContent-Type: multipart/mixed; boundary=\"never\"\r\n\r\n--wrong\r\nhalf a part",
        b"Subject: \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd1\x96\xd1\x82 8-bit\r\nContent-Type: text/plain; charset=koi8-u\r\n\r\n\xf0\xf2\xe9\xf7\xa6\xf4\r\n",
        b"Message-ID: <dup@x>\r\nMessage-ID: <dup2@x>\r\nDate: not a date\r\nSubject: two ids\r\n\r\nbody",
        b"Content-Type: text/html\r\n\r\n<script>alert(1)</script><img src=http://evil/>",
    ];
    let big = {
        let mut m =
            b"Subject: huge\r\nFrom: big@example.test\r\nContent-Type: text/plain\r\n\r\n".to_vec();
        m.extend(std::iter::repeat_n(b'x', 300_000));
        m
    };
    let mut other = other_client(&s, &user).await;
    for raw in hostile
        .iter()
        .copied()
        .chain(std::iter::once(big.as_slice()))
    {
        other.append("INBOX", None, None, raw).await.unwrap();
    }
    other.logout().await.ok();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        let mut engine = engine(&st);
        engine.limits.max_message_bytes = 200_000;
        assert_eq!(
            engine.sync_mailbox(id).await,
            Outcome::Synced,
            "{}",
            t.backend
        );
        assert_same(&st, &s, &user, id, "INBOX").await;
        let inbox = folder(&t.db, id, "INBOX").await;
        let rows = message::Entity::find()
            .filter(message::Column::FolderId.eq(inbox.id))
            .all(&t.db)
            .await
            .unwrap();
        assert_eq!(rows.len(), 26);
        let huge = rows.iter().find(|r| r.subject == "huge").unwrap();
        assert_eq!(huge.body_state, BodyState::TooLarge);
        assert!(huge.text_body.is_none());
        let others = rows.iter().filter(|r| r.subject != "huge");
        assert!(others.clone().all(|r| r.body_state == BodyState::Stored));
        assert!(rows.iter().any(|r| r.subject == "Привіт 8-bit"));
        assert_eq!(inbox.bodies_done, 26);
    }
}

#[tokio::test]
async fn a_password_changed_on_the_server_stops_the_schedule() {
    let s = stack();
    let user = mail_user("pw");
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX"]).await;
        mail_stack(&[
            "set-password",
            &format!("{user}@example.test"),
            "changed-elsewhere-9",
        ]);
        let outcome = engine(&st).sync_mailbox(id).await;
        assert!(
            matches!(outcome, Outcome::AuthRefused { .. }),
            "{outcome:?}"
        );
        mail_stack(&[
            "set-password",
            &format!("{user}@example.test"),
            &format!("{user}-pass-1"),
        ]);
    }
}

#[tokio::test]
async fn a_folder_with_a_non_ascii_name_syncs_by_its_utf7_name() {
    let s = stack();
    let user = mail_user("utf");
    seed(&user, 6, "Клієнти");
    let raw = services::mail::mutf7::encode("Клієнти");
    assert!(raw.is_ascii() && raw.starts_with('&'), "{raw}");
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let id = connected(&st, &s, &user, &["INBOX", raw.as_str()]).await;
        sync_and_compare(&engine(&st), &st, &s, &user, id, &[raw.as_str()]).await;
        let f = folder(&t.db, id, &raw).await;
        assert_eq!(f.display_name, "Клієнти");
        assert_eq!(f.in_range, 6, "{}", t.backend);
    }
}
