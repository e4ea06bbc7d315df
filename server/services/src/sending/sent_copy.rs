//! The copy of a sent message in the mailbox's Sent folder, and looking for one there.
//!
//! Gmail and Microsoft's servers file what is sent through their SMTP in Sent themselves;
//! appending there too would show the message twice. So the copy is first looked for by
//! its Message-ID (`UID SEARCH HEADER`), for every provider: a server that filed it is
//! detected, not assumed. Only when it is not there — and the provider is not one that
//! files — is it appended, `\Seen`. Either way the copy is stored as a row at once, so the
//! message shows in its conversation without waiting for the next sync.

use super::outgoing::folder_with_role;
use crate::{
    entities::{mailbox, mailbox_folder},
    sync::{
        SyncEngine, SyncError,
        fetch::{ImapSession, examine, uid_search},
        parse,
        run::log_out_later,
        store::{Flags, FolderKey, HeaderRow, insert_headers, store_bodies},
    },
};
use domain::{FolderRole, Provider};
use std::time::Duration;

/// Bound on each IMAP command here.
const COMMAND_LIMIT: Duration = Duration::from_secs(60);

/// The mailbox's Sent folder as listed when it was connected.
async fn sent_folder(
    engine: &SyncEngine,
    row: &mailbox::Model,
) -> Result<Option<mailbox_folder::Model>, SyncError> {
    folder_with_role(&engine.db, row.id, FolderRole::Sent)
        .await
        .map_err(|e| SyncError::Imap(e.to_string()))
}

/// Providers whose SMTP files sent mail in Sent by itself.
fn provider_files(provider: Provider) -> bool {
    matches!(
        provider,
        Provider::Gmail | Provider::Outlook | Provider::Microsoft365
    )
}

/// Makes sure a copy of `raw` is in Sent and stored; returns the `sent_copy` state:
/// `done` (appended), `provider` (the server filed it, or will), `none` (no Sent folder).
pub(super) async fn file_copy(
    engine: &SyncEngine,
    row: &mailbox::Model,
    message_id: &str,
    raw: &[u8],
) -> Result<&'static str, SyncError> {
    let Some(folder) = sent_folder(engine, row).await? else {
        return Ok("none");
    };
    let mut session = engine.log_in(row).await?;
    let result = copy_in(engine, &mut session, row, &folder, message_id, raw).await;
    log_out_later(session);
    result
}

async fn copy_in(
    engine: &SyncEngine,
    session: &mut ImapSession,
    row: &mailbox::Model,
    folder: &mailbox_folder::Model,
    message_id: &str,
    raw: &[u8],
) -> Result<&'static str, SyncError> {
    if let Some((uidvalidity, uid)) = find(session, &folder.name, message_id).await? {
        store_row(engine, row, folder, uidvalidity, uid, raw).await;
        return Ok("provider");
    }
    if provider_files(row.provider) {
        return Ok("provider");
    }
    tokio::time::timeout(
        COMMAND_LIMIT,
        session.append(&folder.name, Some("(\\Seen)"), None, raw),
    )
    .await
    .map_err(|_| SyncError::Timeout)??;
    if let Some((uidvalidity, uid)) = find(session, &folder.name, message_id).await? {
        store_row(engine, row, folder, uidvalidity, uid, raw).await;
    }
    Ok("done")
}

/// Whether a message with this Message-ID is in the mailbox's Sent folder (a send cut
/// after the message was handed over, at a provider that files sent mail).
pub(super) async fn is_in_sent(
    engine: &SyncEngine,
    row: &mailbox::Model,
    message_id: &str,
) -> Result<bool, SyncError> {
    let Some(folder) = sent_folder(engine, row).await? else {
        return Ok(false);
    };
    let mut session = engine.log_in(row).await?;
    let found = find(&mut session, &folder.name, message_id).await;
    log_out_later(session);
    Ok(found?.is_some())
}

/// The folder's UIDVALIDITY and the newest UID with this Message-ID, if any.
async fn find(
    session: &mut ImapSession,
    folder: &str,
    message_id: &str,
) -> Result<Option<(i64, i64)>, SyncError> {
    let state = tokio::time::timeout(COMMAND_LIMIT, examine(session, folder))
        .await
        .map_err(|_| SyncError::Timeout)??;
    // Our Message-IDs are `hex@domain`: nothing to quote or escape.
    let query = format!("HEADER Message-ID \"<{message_id}>\"");
    let uids = tokio::time::timeout(COMMAND_LIMIT, uid_search(session, &query))
        .await
        .map_err(|_| SyncError::Timeout)??;
    Ok(uids.into_iter().max().map(|uid| (state.uidvalidity, uid)))
}

/// Stores the copy as a row of the Sent folder (as the sync would), so it shows at once.
/// A failure here only delays that until the next sync.
async fn store_row(
    engine: &SyncEngine,
    row: &mailbox::Model,
    folder: &mailbox_folder::Model,
    uidvalidity: i64,
    uid: i64,
    raw: &[u8],
) {
    let key = FolderKey {
        mailbox_id: row.id,
        folder_id: folder.id,
        uidvalidity,
    };
    let (envelope, content) = parse::message(raw);
    let header = HeaderRow {
        uid,
        flags: Flags {
            seen: true,
            ..Flags::default()
        },
        received_at: chrono::Utc::now(),
        size: i64::try_from(raw.len()).unwrap_or(i64::MAX),
        envelope,
    };
    let stored = match insert_headers(&engine.db, key, vec![header], false).await {
        Ok(()) => store_bodies(&engine.db, key, vec![(uid, content)], None).await,
        Err(err) => Err(err),
    };
    match stored {
        // Its recipients are linked (and made) as the sync would, at once.
        Ok(()) => crate::crm::auto::link_after_store(&engine.db, row.id).await,
        Err(err) => tracing::warn!(mailbox = row.id, %err, "sent copy: storing its row failed"),
    }
}
