//! Moves on a server without MOVE (RFC 6851): UID COPY, then `\Deleted` and UID EXPUNGE
//! in the folder the messages leave. The real Dovecot behind a proxy that hides its MOVE
//! and drops the connection between the copy and the removal, on SQLite and PostgreSQL.
use crate::action_fixtures;
use crate::common;

use action_fixtures::*;
use common::{imap_move_proxy::ImapMoveProxy, mail_stack::stack, sync_fixtures::assert_same};
use domain::MessageAction::Archive;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter,
};
use services::{
    entities::{mailbox, message_action},
    mail_actions::act,
};
use std::{collections::BTreeSet, sync::atomic::Ordering};

/// Points the mailbox's IMAP at `port` (the proxy, or back at Dovecot).
async fn imap_port(mb: &Mb, port: u16) {
    let row = mailbox::Entity::find_by_id(mb.id)
        .one(mb.db())
        .await
        .unwrap()
        .unwrap();
    let mut changed = row.into_active_model();
    changed.imap_port = Set(i32::from(port));
    changed.update(mb.db()).await.unwrap();
}

/// The attempt broken after its copy is finished by the next one with the removal only:
/// each message once in Archive, gone from INBOX, one UID COPY in all, nothing failed.
#[tokio::test]
async fn a_move_broken_after_its_copy_is_finished_without_a_second_copy() {
    let s = stack();
    // The stack's TLS files sit beside its CA.
    let tls = s.ca.parent().unwrap().to_owned();
    for t in common::databases().await {
        let mb = setup(&t.db, &s, "actc", 6, &["INBOX", "Archive"], &[]).await;
        let proxy = ImapMoveProxy::start(&tls, s.imaps).await;
        imap_port(&mb, proxy.port).await;
        proxy.seen.cut_at_delete.store(true, Ordering::SeqCst);
        let rows = mb.rows("INBOX").await;
        let (moved, kept) = rows.split_at(3);
        let ids: Vec<i64> = moved.iter().map(|r| r.id).collect();
        assert_eq!(act(&mb.st, &mb.owner, &ids, Archive).await.unwrap(), 3);
        let worker = mb.worker();
        mb.written().await;
        worker.shutdown().await;
        assert_eq!(proxy.seen.cuts(), 1, "{}: cut after the copy", t.backend);
        assert_eq!(proxy.seen.copies(), 1, "{}: copied once", t.backend);
        let failed = message_action::Entity::find()
            .filter(message_action::Column::MailboxId.eq(mb.id))
            .count(mb.db())
            .await
            .unwrap();
        assert_eq!(failed, 0, "{}: nothing failed or left", t.backend);

        let ids_of = |rows: &[services::entities::message::Model]| -> BTreeSet<Option<String>> {
            rows.iter().map(|r| r.message_id.clone()).collect()
        };
        let archive = on_server(&s, &mb.user, "Archive").await;
        let archived: Vec<Option<String>> =
            archive.values().map(|m| m.message_id.clone()).collect();
        assert_eq!(archived.len(), 3, "{}: each once: {archived:?}", t.backend);
        assert_eq!(
            archived.into_iter().collect::<BTreeSet<_>>(),
            ids_of(moved),
            "{}",
            t.backend
        );
        let inbox = on_server(&s, &mb.user, "INBOX").await;
        let left: BTreeSet<Option<String>> = inbox.values().map(|m| m.message_id.clone()).collect();
        assert_eq!(left, ids_of(kept), "{}: gone from INBOX", t.backend);

        // The app, synced again, holds what the server holds.
        imap_port(&mb, s.imaps).await;
        mb.sync().await;
        assert_same(&mb.st, &s, &mb.user, mb.id, "INBOX").await;
        assert_same(&mb.st, &s, &mb.user, mb.id, "Archive").await;
    }
}
