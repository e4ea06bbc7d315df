//! One folder's sync, in two passes so the list fills first: the **header pass** (new UIDs
//! newest first, flag changes, removals, UIDVALIDITY resets) and the **body pass** (whole
//! messages in byte-bounded batches, parsed off the async threads).

pub use super::fetch_bounds::FetchBounds;
use super::{
    complete::{self, Rest, timed},
    error::SyncError,
    fetch::{self, FolderState, ImapSession},
    log_in::Examined,
    pipeline::Tally,
    progress::{self, Counts, Phase},
    run_task::RunTask,
    store::{self, FolderKey, Quota},
};
use crate::entities::mailbox_folder;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

#[path = "folder_search.rs"]
mod search;
use search::{Searched, WithFirst, search_newest_first};

/// Which messages of each folder the mailbox keeps.
#[derive(Clone, Debug)]
pub struct Range {
    /// The `UID SEARCH` criteria, e.g. `SINCE 29-Oct-2026`.
    pub criteria: String,
    /// What the fast path compares with the last run's (the period's code).
    pub code: String,
    /// **Re-sync from date**: skip the fast path (the request sent the bodies since then
    /// back to pending, `request::request_run`).
    pub resync_from: Option<DateTime<Utc>>,
}

/// What a folder's header pass leaves to its body pass.
pub struct HeaderPass {
    pub key: FolderKey,
    /// New UIDs (newest first) left to be fetched whole, as complete rows.
    rest: Vec<i64>,
    /// The server state and range to remember once the rest is stored (for the next
    /// run's fast path).
    state: Option<(FolderState, String)>,
}

/// The header pass of one folder: header fields of the newest batch of new mail (the list
/// shows at once), flag changes, removals. Where the `quota` has room, the rest of the new
/// mail is left to the body pass to fetch once as whole messages; otherwise every new
/// message gets its header row here. A later run's new mail of at most one batch comes
/// with its first search, the smaller messages whole (`new_mail`). `examined`: the folder's EXAMINE
/// answer, and a first search with it, where they came with the LOGIN (`log_in_examining`).
pub async fn header_pass(
    session: &mut ImapSession,
    db: &DatabaseConnection,
    folder: &mailbox_folder::Model,
    range: &Range,
    limits: &FetchBounds,
    quota: &Quota,
    examined: Option<Examined>,
) -> Result<HeaderPass, SyncError> {
    let t = limits.command_timeout;
    let whole_rest = !quota.is_full();
    let (state, asked) = match examined {
        Some(told) => (told.state?, told.asked),
        None => (timed(t, fetch::examine(session, &folder.name)).await?, None),
    };
    let key = FolderKey {
        mailbox_id: folder.mailbox_id,
        folder_id: folder.id,
        uidvalidity: state.uidvalidity,
    };
    if progress::unchanged(folder, &state, &range.code, range.resync_from.is_some()) {
        return Ok(HeaderPass {
            key,
            rest: Vec::new(),
            state: None,
        });
    }
    let same_generation = folder.uidvalidity == Some(state.uidvalidity);
    // The changes since the remembered HIGHESTMODSEQ of this generation (CONDSTORE).
    let since = state
        .highest_modseq
        .and(folder.highest_modseq)
        .filter(|_| same_generation);
    // The new mail of a later run, where it fits one batch: from the UIDNEXT last seen to
    // the one before this EXAMINE's.
    let new_from = folder.uidnext.zip(state.uidnext).filter(|(from, next)| {
        let new = next - from;
        same_generation && state.exists > 0 && new > 0 && new <= limits.first() as i64
    });
    let new_from = new_from.map(|(from, next)| (from, next - 1));
    let criteria = &range.criteria;
    // Readers' actions on their way to the server (`mail_actions`): those rows stay as
    // the reader left them until the write-back is done or has failed.
    let stored_and_held = async {
        let stored = store::stored_rows(db, key).await?;
        let held = crate::mail_actions::held_uids(db, folder.id, state.uidvalidity).await?;
        Ok::<_, SyncError>((stored, held))
    };
    let (searched, stored, held, adopt) = match since {
        // A later run of this generation asks for the changes since then with its first
        // search, whatever is stored (with nothing stored, none apply): that search goes
        // out while the stored rows are read, a few milliseconds a thousand rows.
        Some(modseq) => {
            let first = (WithFirst::FlagsSince { modseq, new_from }, asked);
            let searched = search_newest_first(session, db, key, criteria, &state, limits, first);
            let (searched, read) = tokio::join!(searched, stored_and_held);
            let (stored, held) = read?;
            (searched?, stored, held, false)
        }
        None => {
            let (stored, held) = stored_and_held.await?;
            let adopt = !same_generation && store::has_other_generation(db, key).await?;
            let with_first = WithFirst::without_changes(stored.flags.is_empty(), adopt);
            let first = (with_first, asked);
            let searched = search_newest_first(session, db, key, criteria, &state, limits, first);
            (searched.await?, stored, held, adopt)
        }
    };
    let Searched {
        on_server,
        shown,
        changed: changed_early,
        new_mail,
    } = searched;
    let gone: Vec<i64> = stored
        .flags
        .keys()
        .filter(|uid| !on_server.contains(uid) && !held.contains(uid))
        .copied()
        .collect();
    store::delete_uids(db, key, &gone).await?;
    let mut missing = store::missing(&on_server, &stored.flags);
    missing.retain(|uid| !held.contains(uid) && !shown.contains(uid));
    let new_bodies = super::new_mail::store(db, key, new_mail, &mut missing, quota).await?;
    // After a UIDVALIDITY reset rows are adopted by their header fields, so every new
    // message takes the header path then. A batch shown early was the one batch of header
    // rows.
    let header_rows = if shown.is_empty() { limits.first() } else { 0 };
    let whole_later = whole_rest && !adopt;
    let mut rest = if whole_later && missing.len() > header_rows {
        missing.split_off(header_rows)
    } else {
        Vec::new()
    };
    let mut counts = Counts {
        in_range: on_server.len() as i64,
        headers_done: (on_server.len() - missing.len() - rest.len()) as i64,
        // The bodies stored by earlier runs: a later run's header pass would otherwise show
        // none until its body pass, and the progress bar drop to half on every run that
        // finds anything new.
        bodies_done: on_server
            .iter()
            .filter(|uid| stored.flags.contains_key(uid) && !stored.pending.contains(uid))
            .count() as i64
            + new_bodies as i64,
    };
    progress::report(db, folder.id, Phase::Headers, counts).await?;
    // Fetching batch n+1 overlaps storing batch n; the first batch (the newest mail) is
    // stored before anything else is fetched, so the list shows at once.
    let mut storing: Option<RunTask<Result<usize, SyncError>>> = None;
    // A message the server left out of its answer has no row: the state is then not
    // remembered, so the next run compares the folder again and asks for it.
    let mut left_out = false;
    for (n, chunk) in missing.chunks(limits.header_batch.max(1)).enumerate() {
        let fetched = timed(t, fetch::headers(session, chunk, limits.header_limit())).await?;
        left_out |= fetched.rows.len() + fetched.headerless.len() < chunk.len();
        // Answered without their header fields: fetched whole with the rest, which gives
        // them their envelope; kept with an empty one when nothing is fetched whole.
        let rows = if whole_later {
            rest.extend(fetched.headerless.iter().map(|r| r.uid));
            fetched.rows
        } else {
            fetched.all()
        };
        if let Some(previous) = storing.take() {
            counts.headers_done += joined(previous).await? as i64;
            progress::report(db, folder.id, Phase::Headers, counts).await?;
        }
        let (db2, len) = (db.clone(), rows.len());
        let task = RunTask::spawn(async move {
            store::insert_headers(&db2, key, rows, adopt).await?;
            Ok(len)
        });
        if n == 0 {
            counts.headers_done += joined(task).await? as i64;
            progress::report(db, folder.id, Phase::Headers, counts).await?;
        } else {
            storing = Some(task);
        }
    }
    if let Some(previous) = storing.take() {
        counts.headers_done += joined(previous).await? as i64;
        progress::report(db, folder.id, Phase::Headers, counts).await?;
    }
    // Newest first, as the body pass fetches them.
    rest.sort_unstable_by(|a, b| b.cmp(a));
    if adopt {
        store::drop_other_generations(db, key).await?;
    }
    // Rows stored before this run (`stored` holds this generation's only) may carry old
    // flags: the changes since the remembered HIGHESTMODSEQ, or all their flags when no
    // state of this generation is remembered yet (a first sync cut before it finished:
    // a flag changed between its runs would otherwise never reach the app).
    // A flag change of a message with a write-back on its way is not applied (the row
    // stays as the reader left it); the state is then not remembered, so the next run
    // asks for the changes since the last remembered HIGHESTMODSEQ again and applies it
    // once the write-back is done (a write-back that changes nothing on the server, as
    // `\Seen` set by another client first, would not bring it back).
    let mut skipped_held = false;
    if !stored.flags.is_empty() {
        let kept: Vec<i64> = stored
            .flags
            .keys()
            .filter(|uid| on_server.contains(uid))
            .copied()
            .collect();
        let mut changed = match changed_early {
            Some(Ok(changed)) => changed,
            // CHANGEDSINCE refused: every stored row's flags, compared in full.
            Some(Err(_)) => timed(t, fetch::flags(session, &kept, None)).await?,
            None => timed(t, fetch::flags(session, &kept, since)).await?,
        };
        let told = changed.len();
        changed.retain(|(uid, _)| !held.contains(uid));
        skipped_held = changed.len() < told;
        store::apply_flags(db, key, &stored.flags, &changed).await?;
    }
    let remember = !skipped_held && !left_out;
    if !rest.is_empty() {
        // Remembered only once the rest is stored: a run cut before that must compare
        // again next time, or the unstored rest would never be fetched.
        return Ok(HeaderPass {
            key,
            rest,
            state: remember.then(|| (state, range.code.clone())),
        });
    }
    if remember {
        progress::remember_state(db, folder.id, state, &range.code).await?;
    }
    Ok(HeaderPass {
        key,
        rest,
        state: None,
    })
}

/// The body pass of one folder: whole messages still pending (newest first), then the
/// rest of the new mail as complete rows, within the mailbox's storage quota. `selected`:
/// the folder the session has selected, examined only when it is another (and then noted).
pub async fn body_pass(
    session: &mut ImapSession,
    db: &DatabaseConnection,
    folder: &mailbox_folder::Model,
    pass: HeaderPass,
    limits: &FetchBounds,
    quota: &Quota,
    selected: &mut Option<i64>,
) -> Result<(), SyncError> {
    let key = pass.key;
    let pending = store::pending_bodies(db, key, quota).await?;
    let mut counts = Counts {
        in_range: i64::from(folder.in_range),
        headers_done: i64::from(folder.headers_done),
        bodies_done: i64::from(folder.headers_done) - pending.len() as i64,
    };
    if pending.is_empty() && pass.rest.is_empty() {
        return Ok(progress::report(db, folder.id, Phase::Done, counts).await?);
    }
    // Still selected since its header pass (a run of one folder): within a session its
    // UIDVALIDITY cannot change, and the EXAMINE's round trip is spared.
    if *selected != Some(folder.id) {
        let state = timed(
            limits.command_timeout,
            fetch::examine(session, &folder.name),
        )
        .await?;
        *selected = Some(folder.id);
        if state.uidvalidity != key.uidvalidity {
            // Reset since the header pass: the next run starts the folder over.
            return Ok(());
        }
    }
    let mut answers = fetch::Answers::new(limits.max_message_bytes);
    // Rows of the rest stored from here on (the first part's maybe with the pending bodies).
    let before = counts.headers_done;
    let mut first = None;
    if !pending.is_empty() {
        // The rest's first flags, dates and sizes go ahead of these bodies, and that part
        // is asked for while they are still coming: no round trip of the link between.
        let ahead = complete::parts(&pass.rest).next();
        if let Some(part) = ahead {
            timed(limits.command_timeout, answers.ask_meta(session, part)).await?;
        }
        let session = (&mut *session, &mut answers);
        let rest = ahead.is_some();
        let bodies = super::pending::bodies(session, db, key, pending, rest, limits, quota, counts);
        (counts, first) = bodies.await?;
    }
    let mut all_stored = true;
    if !pass.rest.is_empty() {
        let mut rest = Rest {
            db,
            key,
            limits,
            quota,
            tally: Tally {
                folder_id: folder.id,
                counts,
                new_rows: true,
            },
        };
        rest.store((session, &mut answers), &pass.rest, first)
            .await?;
        counts = rest.tally.counts;
        all_stored = counts.headers_done - before >= pass.rest.len() as i64;
    }
    // A message the server left out of its answers has no row yet: the state is then not
    // remembered, so the next run compares the folder again (no shortcut) and asks for it.
    if let Some((state, code)) = pass.state
        && all_stored
    {
        progress::remember_state(db, folder.id, state, &code).await?;
    }
    progress::report(db, folder.id, Phase::Done, counts).await?;
    Ok(())
}

async fn joined(handle: RunTask<Result<usize, SyncError>>) -> Result<usize, SyncError> {
    handle
        .join()
        .await
        .map_err(|e| SyncError::Imap(format!("store task failed: {e}")))?
}
