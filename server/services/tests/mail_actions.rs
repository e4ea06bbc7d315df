//! Readers' actions written back to the real Dovecot, on SQLite and PostgreSQL: flags
//! both ways, move, archive, delete (to Trash and for good), bulk selections.
use crate::action_fixtures;
use crate::common;

use action_fixtures::*;
use common::{
    mail_stack::stack,
    sync_fixtures::{assert_same, other_client, store_flags},
};
use domain::MessageAction::*;
use services::{ServiceError, mail_actions::act};

#[tokio::test]
async fn flags_set_in_the_app_reach_the_server_and_back() {
    let s = stack();
    for t in common::databases().await {
        let mb = setup(&t.db, &s, "actf", 6, &["INBOX"], &[]).await;
        let worker = mb.worker();
        let rows = mb.rows("INBOX").await;
        let unseen = rows.iter().find(|r| !r.seen && !r.flagged).unwrap().clone();
        let id = unseen.message_id.clone().unwrap();
        let server = |want: fn(&OnServer) -> bool| {
            let (s, user, id) = (&s, mb.user.clone(), id.clone());
            async move {
                let view = on_server(s, &user, "INBOX").await;
                want(
                    view.values()
                        .find(|m| m.message_id.as_deref() == Some(&id))
                        .unwrap(),
                )
            }
        };

        assert_eq!(
            act(&mb.st, &mb.owner, &[unseen.id], MarkRead)
                .await
                .unwrap(),
            1
        );
        assert!(
            mb.row(unseen.id).await.unwrap().seen,
            "{}: shown at once",
            t.backend
        );
        mb.written().await;
        assert!(
            server(|m| m.seen).await,
            "{}: \\Seen on the server",
            t.backend
        );
        // Opening it again changes and queues nothing.
        assert_eq!(
            act(&mb.st, &mb.owner, &[unseen.id], MarkRead)
                .await
                .unwrap(),
            0
        );
        assert_eq!(mb.pending().await, 0);

        act(&mb.st, &mb.owner, &[unseen.id], MarkUnread)
            .await
            .unwrap();
        mb.written().await;
        assert!(
            server(|m| !m.seen).await,
            "{}: unread on the server",
            t.backend
        );
        act(&mb.st, &mb.owner, &[unseen.id], Flag).await.unwrap();
        assert!(mb.row(unseen.id).await.unwrap().flagged);
        mb.written().await;
        assert!(
            server(|m| m.flagged).await,
            "{}: \\Flagged on the server",
            t.backend
        );
        act(&mb.st, &mb.owner, &[unseen.id], Unflag).await.unwrap();
        mb.written().await;
        assert!(
            server(|m| !m.flagged).await,
            "{}: unflagged on the server",
            t.backend
        );
        let row = mb.row(unseen.id).await.unwrap();
        assert!(!row.seen && !row.flagged && row.uid == unseen.uid);

        // Another client flags a message: the next sync shows it.
        let other = rows
            .iter()
            .find(|r| r.id != unseen.id && !r.flagged)
            .unwrap();
        let mut imap = other_client(&s, &mb.user).await;
        imap.select("INBOX").await.unwrap();
        store_flags(
            &mut imap,
            &other.uid.to_string(),
            "+FLAGS (\\Flagged \\Seen)",
        )
        .await;
        imap.logout().await.ok();
        mb.sync().await;
        let synced = mb.row(other.id).await.unwrap();
        assert!(synced.flagged && synced.seen, "{}", t.backend);
        assert_same(&mb.st, &s, &mb.user, mb.id, "INBOX").await;
        worker.shutdown().await;
    }
}

#[tokio::test]
async fn move_archive_and_delete_reach_the_server() {
    let s = stack();
    for t in common::databases().await {
        let folders = ["INBOX", "Archive", "Trash", "Projects"];
        let mb = setup(&t.db, &s, "actm", 8, &folders, &[]).await;
        let worker = mb.worker();
        let rows = mb.rows("INBOX").await;
        let (a, b, c) = (rows[0].clone(), rows[1].clone(), rows[2].clone());
        let mid = |r: &services::entities::message::Model| r.message_id.clone().unwrap();
        let projects = mb.folder_id("Projects").await;

        // Move: the row leaves INBOX at once and keeps its id once the server has it.
        assert_eq!(
            act(&mb.st, &mb.owner, &[a.id], MoveTo(projects))
                .await
                .unwrap(),
            1
        );
        let moving = mb.row(a.id).await.unwrap();
        assert_eq!(moving.folder_id, projects);
        assert!(moving.uid < 0, "a placeholder until the server answers");
        mb.written().await;
        let uid = uid_on_server(&s, &mb.user, "Projects", &mid(&a)).await;
        assert!(uid.is_some(), "{}: in Projects on the server", t.backend);
        assert_eq!(uid_on_server(&s, &mb.user, "INBOX", &mid(&a)).await, None);
        let moved = mb.row(a.id).await.unwrap();
        assert_eq!(
            (moved.folder_id, Some(moved.uid)),
            (projects, uid),
            "{}",
            t.backend
        );

        act(&mb.st, &mb.owner, &[b.id], Archive).await.unwrap();
        mb.written().await;
        assert!(
            uid_on_server(&s, &mb.user, "Archive", &mid(&b))
                .await
                .is_some()
        );
        assert_eq!(uid_on_server(&s, &mb.user, "INBOX", &mid(&b)).await, None);
        assert_eq!(
            mb.row(b.id).await.unwrap().folder_id,
            mb.folder_id("Archive").await
        );

        // Delete goes to Trash; from Trash, for good.
        act(&mb.st, &mb.owner, &[c.id], Delete).await.unwrap();
        mb.written().await;
        assert!(
            uid_on_server(&s, &mb.user, "Trash", &mid(&c))
                .await
                .is_some()
        );
        assert_eq!(
            mb.row(c.id).await.unwrap().folder_id,
            mb.folder_id("Trash").await
        );
        assert_eq!(act(&mb.st, &mb.owner, &[c.id], Delete).await.unwrap(), 1);
        assert!(mb.row(c.id).await.is_none(), "{}: gone at once", t.backend);
        mb.written().await;
        for folder in folders {
            assert_eq!(
                uid_on_server(&s, &mb.user, folder, &mid(&c)).await,
                None,
                "{folder}"
            );
        }

        // The next sync agrees: one row per message, each where the server has it.
        mb.sync().await;
        for folder in folders {
            assert_same(&mb.st, &s, &mb.user, mb.id, folder).await;
        }
        assert_eq!(mb.copies(&mid(&a)).await.len(), 1);
        assert_eq!(
            mb.copies(&mid(&a)).await[0].id,
            a.id,
            "{}: same row",
            t.backend
        );
        assert_eq!(mb.copies(&mid(&b)).await.len(), 1);
        assert!(mb.copies(&mid(&c)).await.is_empty());
        worker.shutdown().await;
    }
}

#[tokio::test]
async fn bulk_selections_reach_the_server() {
    let s = stack();
    for t in common::databases().await {
        let mb = setup(&t.db, &s, "actb", 12, &["INBOX", "Archive"], &[]).await;
        let worker = mb.worker();
        let rows = mb.rows("INBOX").await;
        let read: Vec<i64> = rows[..8].iter().map(|r| r.id).collect();
        let unseen = rows[..8].iter().filter(|r| !r.seen).count();
        assert!(unseen > 0);
        assert_eq!(
            act(&mb.st, &mb.owner, &read, MarkRead).await.unwrap(),
            unseen
        );
        mb.written().await;
        let server = on_server(&s, &mb.user, "INBOX").await;
        for r in &rows[..8] {
            assert!(server[&r.uid].seen, "{}: uid {} read", t.backend, r.uid);
        }

        let archived: Vec<i64> = rows[8..].iter().map(|r| r.id).collect();
        assert_eq!(act(&mb.st, &mb.owner, &archived, Archive).await.unwrap(), 4);
        mb.written().await;
        let archive = on_server(&s, &mb.user, "Archive").await;
        for r in &rows[8..] {
            let uid = archive
                .iter()
                .find(|(_, m)| m.message_id == r.message_id)
                .map(|(uid, _)| *uid);
            assert_eq!(
                mb.row(r.id).await.unwrap().uid,
                uid.unwrap(),
                "{}",
                t.backend
            );
        }
        assert_eq!(on_server(&s, &mb.user, "INBOX").await.len(), 8);

        let too_many: Vec<i64> = (1..=501).collect();
        let err = act(&mb.st, &mb.owner, &too_many, MarkRead)
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceError::Invalid { .. }), "{err:?}");
        mb.sync().await;
        assert_same(&mb.st, &s, &mb.user, mb.id, "INBOX").await;
        assert_same(&mb.st, &s, &mb.user, mb.id, "Archive").await;
        worker.shutdown().await;
    }
}

/// Without MOVE and UIDPLUS a move is COPY, `\Deleted` and a plain EXPUNGE, which would
/// also remove what another client marked deleted (and may still undelete): refused
/// before anything changes on the server, and done once nothing else is marked.
#[tokio::test]
async fn without_uidplus_nothing_another_client_marked_deleted_is_expunged() {
    use common::sync_fixtures::{mail_user, seed, server_view};
    use services::{
        mail_actions::imap::{Caps, copy_to, expunge, select},
        sync::SyncError,
    };
    use std::{collections::BTreeSet, time::Duration};
    let limit = Duration::from_secs(30);
    let s = stack();
    let user = mail_user("actnoplus");
    seed(&user, 3, "INBOX");
    let mut other = other_client(&s, &user).await;
    let target = format!("Moved-{user}");
    other.create(&target).await.unwrap();
    other.select("INBOX").await.unwrap();
    let all: BTreeSet<u32> = other.uid_search("ALL").await.unwrap().into_iter().collect();
    let [u1, u2, u3] = all.iter().map(|u| i64::from(*u)).collect::<Vec<_>>()[..] else {
        panic!("three messages: {all:?}")
    };
    store_flags(&mut other, &u1.to_string(), "+FLAGS (\\Deleted)").await;

    let old_server = Caps {
        moves: false,
        uidplus: false,
    };
    let mut app = other_client(&s, &user).await;
    select(&mut app, "INBOX", limit).await.unwrap();
    let copied = copy_to(&mut app, old_server, &[u2], &target, limit).await;
    assert!(matches!(copied, Err(SyncError::Refused(_))), "{copied:?}");
    let removed = expunge(&mut app, old_server, &[u3], limit).await;
    assert!(matches!(removed, Err(SyncError::Refused(_))), "{removed:?}");
    let inbox = |v: std::collections::BTreeMap<i64, _>| v.into_keys().collect::<Vec<_>>();
    assert_eq!(inbox(server_view(&s, &user, "INBOX").await), [u1, u2, u3]);
    assert!(
        server_view(&s, &user, &target).await.is_empty(),
        "no copy made"
    );
    let marked: BTreeSet<u32> = other
        .uid_search("DELETED")
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(
        marked,
        BTreeSet::from([u1 as u32]),
        "only the other client's mark"
    );

    // Undeleted by the other client: the move goes through, and takes only its message.
    store_flags(&mut other, &u1.to_string(), "-FLAGS (\\Deleted)").await;
    copy_to(&mut app, old_server, &[u2], &target, limit)
        .await
        .unwrap();
    expunge(&mut app, old_server, &[u2], limit).await.unwrap();
    assert_eq!(inbox(server_view(&s, &user, "INBOX").await), [u1, u3]);
    assert_eq!(server_view(&s, &user, &target).await.len(), 1);
}

/// Another client reads and stars a message while the app's "mark read" of it is on its
/// way: the star reaches the app once the write-back is done, though that write-back
/// changes nothing on the server (so HIGHESTMODSEQ does not move past the star).
#[tokio::test]
async fn a_flag_changed_elsewhere_while_a_write_back_waits_reaches_the_app() {
    let s = stack();
    for t in common::databases().await {
        let mb = setup(&t.db, &s, "acth", 6, &["INBOX"], &[]).await;
        let rows = mb.rows("INBOX").await;
        let x = rows.iter().find(|r| !r.seen && !r.flagged).unwrap().clone();
        // The app marks it read: the row is held until that is written.
        act(&mb.st, &mb.owner, &[x.id], MarkRead).await.unwrap();
        // Meanwhile the phone reads and stars it.
        let mut phone = other_client(&s, &mb.user).await;
        phone.select("INBOX").await.unwrap();
        store_flags(&mut phone, &x.uid.to_string(), "+FLAGS (\\Seen \\Flagged)").await;
        phone.logout().await.ok();
        // The sync leaves the held row as the reader left it...
        mb.sync().await;
        let worker = mb.worker();
        mb.written().await;
        worker.shutdown().await;
        // ... and the next one brings the star.
        mb.sync().await;
        let row = mb.row(x.id).await.unwrap();
        assert!(
            row.seen && row.flagged,
            "{}: seen {}, flagged {}",
            t.backend,
            row.seen,
            row.flagged
        );
    }
}
