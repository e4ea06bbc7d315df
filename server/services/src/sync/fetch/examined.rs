//! The EXAMINE of a run's first folder sent behind the LOGIN, with ENABLE CONDSTORE before
//! it (`SyncEngine::log_in_examining`): their answers, read once the LOGIN's has been.

use super::{
    FolderState, ImapSession,
    search::{done_of, read},
};
use crate::sync::error::SyncError;
use async_imap::imap_proto::{MailboxDatum, RequestId, Response, ResponseCode, Status};

/// The pipelined commands' tags: none of async-imap's (`A1`, `A2`, …).
const ENABLE_TAG: &str = "pl1";
const EXAMINE_TAG: &str = "pl2";

/// The command lines: ENABLE CONDSTORE (a server without CONDSTORE enables nothing and
/// says OK, RFC 5161 §3.1), then the EXAMINE of the folder (`quoted_name`, an IMAP string).
pub fn examine_lines(quoted_name: &str) -> String {
    format!("{ENABLE_TAG} ENABLE CONDSTORE\r\n{EXAMINE_TAG} EXAMINE {quoted_name}\r\n")
}

/// Whether the ENABLE of [`examine_lines`] was answered OK (a server that lists ENABLE
/// answers OK even when it enables nothing, RFC 5161 §3.1); read first, up to its tagged
/// answer. A lost connection is the error.
pub async fn enabled(session: &mut ImapSession) -> Result<bool, SyncError> {
    let tag = RequestId(ENABLE_TAG.into());
    let mut done = None;
    while done.is_none() {
        read(session, |response| done = done_of(response, &tag)).await?;
    }
    Ok(matches!(done, Some(Ok(()))))
}

/// What the EXAMINE of [`examine_lines`] told, read after [`enabled`]: the folder's state,
/// or the server's refusal (the folder's error, as for an EXAMINE of its own). A lost
/// connection is the outer error.
pub async fn examined(
    session: &mut ImapSession,
) -> Result<Result<FolderState, SyncError>, SyncError> {
    let tag = RequestId(EXAMINE_TAG.into());
    let mut state = FolderState {
        uidvalidity: 0,
        uidnext: None,
        exists: 0,
        highest_modseq: None,
    };
    let mut done = None;
    while done.is_none() {
        read(session, |response| {
            done = done_of(response, &tag);
            told(&mut state, response);
        })
        .await?;
    }
    Ok(done.unwrap_or(Ok(())).map(|()| state))
}

/// What an untagged answer of EXAMINE tells of the folder (RFC 3501 §6.3.1).
fn told(state: &mut FolderState, response: &Response<'_>) {
    match response {
        Response::MailboxData(MailboxDatum::Exists(n)) => state.exists = i64::from(*n),
        Response::Data {
            status: Status::Ok,
            outcome,
        } => match &outcome.code {
            Some(ResponseCode::UidValidity(v)) => state.uidvalidity = i64::from(*v),
            Some(ResponseCode::UidNext(n)) => state.uidnext = Some(i64::from(*n)),
            Some(ResponseCode::HighestModSeq(m)) => {
                state.highest_modseq = i64::try_from(*m).ok();
            }
            _ => {}
        },
        _ => {}
    }
}
