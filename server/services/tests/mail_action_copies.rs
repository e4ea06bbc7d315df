//! Moves on a server without MOVE (RFC 6851): UID COPY, then `\Deleted` and UID EXPUNGE
//! in the folder the messages leave. The real Dovecot behind a proxy that hides its MOVE
//! and drops the connection between the copy and the removal, on SQLite and PostgreSQL.
use crate::action_fixtures;
use crate::common;

use action_fixtures::*;
use common::{
    imap_move_proxy::{ImapMoveProxy, Seen},
    mail_stack::Stack,
    mail_stack::stack,
    mailbox_fixtures::set_imap_port,
    sync_fixtures::{assert_same, other_client},
};
use domain::MessageAction::Archive;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use services::{
    entities::{message, message_action},
    mail_actions::{act, failures, retry_failure},
};
use std::{collections::BTreeSet, sync::atomic::Ordering};

/// Points the mailbox's IMAP at `port` (the proxy, or back at Dovecot).
async fn imap_port(mb: &Mb, port: u16) {
    set_imap_port(mb.db(), mb.id, port).await;
}

/// Write-backs of the mailbox left in the table (pending or failed).
async fn left(mb: &Mb) -> u64 {
    message_action::Entity::find()
        .filter(message_action::Column::MailboxId.eq(mb.id))
        .count(mb.db())
        .await
        .unwrap()
}

fn message_ids(rows: &[message::Model]) -> BTreeSet<Option<String>> {
    rows.iter().map(|r| r.message_id.clone()).collect()
}

/// The server holds each of `moved` once in Archive and only `kept` in INBOX; the app,
/// synced again (straight to Dovecot), holds what the server holds.
async fn moved_once(s: &Stack, mb: &Mb, moved: &[message::Model], kept: &[message::Model]) {
    let archived: Vec<Option<String>> = on_server(s, &mb.user, "Archive")
        .await
        .into_values()
        .map(|m| m.message_id)
        .collect();
    assert_eq!(archived.len(), moved.len(), "each once: {archived:?}");
    assert_eq!(
        archived.into_iter().collect::<BTreeSet<_>>(),
        message_ids(moved)
    );
    let inbox: BTreeSet<Option<String>> = on_server(s, &mb.user, "INBOX")
        .await
        .into_values()
        .map(|m| m.message_id)
        .collect();
    assert_eq!(inbox, message_ids(kept), "gone from INBOX");
    imap_port(mb, s.imaps).await;
    mb.sync().await;
    assert_same(&mb.st, s, &mb.user, mb.id, "INBOX").await;
    assert_same(&mb.st, s, &mb.user, mb.id, "Archive").await;
}

/// Moves the first `moving` of `n` INBOX messages to Archive through the proxy, armed by
/// `arm` for one cut: one cut, one UID COPY that reached Dovecot, nothing failed or left,
/// each message once in Archive and gone from INBOX.
async fn one_cut_one_copy(prefix: &str, n: usize, moving: usize, arm: fn(&Seen)) {
    let s = stack();
    // The stack's TLS files sit beside its CA.
    let tls = s.ca.parent().unwrap().to_owned();
    for t in common::databases().await {
        let mb = setup(&t.db, &s, prefix, n, &["INBOX", "Archive"], &[]).await;
        let proxy = ImapMoveProxy::start(&tls, s.imaps).await;
        imap_port(&mb, proxy.port).await;
        arm(&proxy.seen);
        let rows = mb.rows("INBOX").await;
        let (moved, kept) = rows.split_at(moving);
        let ids: Vec<i64> = moved.iter().map(|r| r.id).collect();
        assert_eq!(act(&mb.st, &mb.owner, &ids, Archive).await.unwrap(), moving);
        let worker = mb.worker();
        mb.written().await;
        worker.shutdown().await;
        assert_eq!(proxy.seen.cuts(), 1, "{}: one cut", t.backend);
        assert_eq!(proxy.seen.copies(), 1, "{}: one copy", t.backend);
        assert_eq!(left(&mb).await, 0, "{}: nothing failed or left", t.backend);
        moved_once(&s, &mb, moved, kept).await;
    }
}

/// The attempt broken after its copy is finished by the next one with the removal only:
/// one UID COPY in all, nothing failed.
#[tokio::test]
async fn a_move_broken_after_its_copy_is_finished_without_a_second_copy() {
    one_cut_one_copy("actc", 6, 3, |seen| {
        seen.cuts_at_delete.store(1, Ordering::SeqCst)
    })
    .await;
}

/// Archives the first of `n` INBOX messages through the proxy, armed by `arm`, until its
/// write-back fails for good; `check` looks at that write-back's row. The reader's retry
/// then moves the message with one UID COPY in all.
async fn failed_then_retried(
    prefix: &str,
    n: usize,
    arm: fn(&Seen),
    check: impl AsyncFn(&Mb, &Seen, &message_action::Model, &str),
) {
    let s = stack();
    let tls = s.ca.parent().unwrap().to_owned();
    for t in common::databases().await {
        let b = t.backend;
        let mb = setup(&t.db, &s, prefix, n, &["INBOX", "Archive"], &[]).await;
        let proxy = ImapMoveProxy::start(&tls, s.imaps).await;
        imap_port(&mb, proxy.port).await;
        arm(&proxy.seen);
        let rows = mb.rows("INBOX").await;
        let (moved, kept) = rows.split_at(1);
        let worker = mb.worker();
        act(&mb.st, &mb.owner, &[moved[0].id], Archive)
            .await
            .unwrap();
        mb.written().await;
        let failed = failures(mb.db(), &mb.owner, Some(mb.id)).await.unwrap();
        assert_eq!(failed.len(), 1, "{b}: {failed:?}");
        let row = message_action::Entity::find_by_id(failed[0].id)
            .one(mb.db())
            .await
            .unwrap()
            .unwrap();
        check(&mb, &proxy.seen, &row, b).await;

        retry_failure(&mb.st, &mb.owner, failed[0].id)
            .await
            .unwrap();
        mb.written().await;
        worker.shutdown().await;
        assert_eq!(proxy.seen.copies(), 1, "{b}: copied once");
        assert_eq!(left(&mb).await, 0, "{b}: nothing failed or left");
        moved_once(&s, &mb, moved, kept).await;
    }
}

/// Every attempt after the copy broken until the write-back fails and is undone; the
/// reader's retry then only removes the message: the copy is not made again.
#[tokio::test]
async fn a_failed_move_whose_copy_went_through_is_retried_without_a_second_copy() {
    // As many cuts as the worker's attempts (`fast()`: three).
    let arm = |seen: &Seen| seen.cuts_at_delete.store(3, Ordering::SeqCst);
    failed_then_retried("actr", 4, arm, async |mb, seen, row, b| {
        let error = row.last_error.clone().unwrap_or_default();
        assert!(error.contains("gave up after 3 attempts"), "{b}: {error}");
        let message = mb.row(row.message_id.unwrap()).await.unwrap();
        let inbox = mb.folder_id("INBOX").await;
        assert_eq!(message.folder_id, inbox, "{b}: undone in the app");
        assert_eq!(seen.cuts(), 3, "{b}");
    })
    .await;
}

/// The copy went through but its answer was lost in a cut: the next attempt finds the
/// messages in the target by Message-ID and only removes them: one UID COPY in all.
#[tokio::test]
async fn a_move_whose_copy_answer_was_lost_is_finished_without_a_second_copy() {
    one_cut_one_copy("actl", 5, 3, |seen| {
        seen.cuts_after_copy.store(1, Ordering::SeqCst)
    })
    .await;
}

/// The cut came before the server saw the UID COPY: the next attempt finds nothing in
/// the target and copies then (removing without a copy would lose the messages).
#[tokio::test]
async fn a_move_whose_copy_never_reached_the_server_is_copied_by_the_next_attempt() {
    one_cut_one_copy("actn", 4, 2, |seen| {
        seen.cuts_before_copy.store(1, Ordering::SeqCst)
    })
    .await;
}

/// Moves the INBOX messages with UIDs `moving` to Archive, which already holds a copy of
/// UID 1 made by another client, with a cut before the UID COPY: the copy found there is
/// not taken for the one that was lost. Every moved message is copied; none is lost.
async fn moved_beside_an_earlier_copy(prefix: &str, moving: &[i64]) {
    let s = stack();
    let tls = s.ca.parent().unwrap().to_owned();
    for t in common::databases().await {
        let mb = setup(&t.db, &s, prefix, 3, &["INBOX", "Archive"], &[]).await;
        let mut other = other_client(&s, &mb.user).await;
        other.select("INBOX").await.unwrap();
        other.uid_copy("1", "Archive").await.unwrap();
        other.logout().await.ok();
        let proxy = ImapMoveProxy::start(&tls, s.imaps).await;
        imap_port(&mb, proxy.port).await;
        proxy.seen.cuts_before_copy.store(1, Ordering::SeqCst);
        let rows = mb.rows("INBOX").await;
        let (moved, kept): (Vec<_>, Vec<_>) =
            rows.into_iter().partition(|r| moving.contains(&r.uid));
        let ids: Vec<i64> = moved.iter().map(|r| r.id).collect();
        let n = act(&mb.st, &mb.owner, &ids, Archive).await.unwrap();
        assert_eq!(n, moving.len());
        let worker = mb.worker();
        mb.written().await;
        worker.shutdown().await;
        let b = t.backend;
        assert_eq!(proxy.seen.copies(), 1, "{b}: copied by the retry");
        assert_eq!(left(&mb).await, 0, "{b}: nothing failed or left");
        let mut archived: Vec<Option<String>> = on_server(&s, &mb.user, "Archive")
            .await
            .into_values()
            .map(|m| m.message_id)
            .collect();
        archived.sort();
        let first = kept_or_moved_id(&moved, &kept, 1);
        let mut expected = vec![first];
        expected.extend(moved.iter().map(|r| r.message_id.clone()));
        expected.sort();
        assert_eq!(
            archived, expected,
            "{b}: the earlier copy and every moved one"
        );
        let inbox: BTreeSet<Option<String>> = on_server(&s, &mb.user, "INBOX")
            .await
            .into_values()
            .map(|m| m.message_id)
            .collect();
        assert_eq!(inbox, message_ids(&kept), "{b}: gone from INBOX");
    }
}

/// The Message-ID of the row with this UID, moved or kept.
fn kept_or_moved_id(moved: &[message::Model], kept: &[message::Model], uid: i64) -> Option<String> {
    let row = moved.iter().chain(kept).find(|r| r.uid == uid).unwrap();
    row.message_id.clone()
}

/// The earlier copy is of one of the two moved messages.
#[tokio::test]
async fn a_copy_already_in_the_target_is_not_taken_for_the_lost_one() {
    moved_beside_an_earlier_copy("actp", &[1, 2]).await;
}

/// The earlier copy is of the one moved message: only the target's UIDs from its UIDNEXT
/// before the COPY on are looked at.
#[tokio::test]
async fn an_earlier_copy_of_the_moved_message_is_not_taken_for_the_lost_one() {
    moved_beside_an_earlier_copy("acte", &[1]).await;
}

/// Every attempt cut while the COPY is in doubt (its answer lost, then each look in the
/// target cut) until the write-back fails; the reader's retry keeps the doubt and where
/// the copy landed, finds it there and only removes: one UID COPY in all.
#[tokio::test]
async fn a_failed_move_whose_copy_is_in_doubt_is_retried_without_a_second_copy() {
    let arm = |seen: &Seen| {
        seen.cuts_after_copy.store(1, Ordering::SeqCst);
        // The worker's two other attempts (`fast()`: three in all).
        seen.cuts_at_examine.store(2, Ordering::SeqCst);
    };
    failed_then_retried("actd", 3, arm, async |_, seen, row, b| {
        assert!(row.copy_sent && !row.copied, "{b}: in doubt: {row:?}");
        assert!(row.copy_uidnext.is_some(), "{b}: where it landed: {row:?}");
        assert_eq!(seen.cuts(), 3, "{b}");
    })
    .await;
}

/// A UID COPY the server refused leaves nothing in doubt: the write-back fails for good
/// without `copy_sent`, and the reader's retry copies as any move does.
#[tokio::test]
async fn a_refused_copy_leaves_nothing_in_doubt() {
    let arm = |seen: &Seen| seen.refused_copies.store(1, Ordering::SeqCst);
    failed_then_retried("actf", 3, arm, async |_, _, row, b| {
        assert!(!row.copy_sent && !row.copied, "{b}: {row:?}");
        let landing = (row.copy_uidvalidity, row.copy_uidnext);
        assert_eq!(landing, (None, None), "{b}");
    })
    .await;
}
