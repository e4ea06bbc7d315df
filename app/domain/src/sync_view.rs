//! What the Mail pages show of the sync: per-mailbox progress and a folder's message list.

use crate::{MailboxStatus, SyncPhase, Timestamp};
use serde::{Deserialize, Serialize};

/// One folder's sync progress: phase and "n of m".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderProgress {
    pub id: i64,
    pub name: String,
    /// None before the first run.
    pub phase: Option<SyncPhase>,
    pub in_range: i32,
    pub headers_done: i32,
    pub bodies_done: i32,
    pub last_error: Option<String>,
}

impl FolderProgress {
    /// Headers count for the first half of the bar, bodies for the second.
    pub fn percent(&self) -> u32 {
        if self.in_range <= 0 {
            return if self.phase == Some(SyncPhase::Done) {
                100
            } else {
                0
            };
        }
        let total = f64::from(self.in_range) * 2.0;
        let done = f64::from(self.headers_done.min(self.in_range))
            + f64::from(self.bodies_done.min(self.in_range));
        ((done / total) * 100.0).round().clamp(0.0, 100.0) as u32
    }
}

/// A mailbox's sync state for the Mail page and Connected accounts (polled while it syncs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProgress {
    pub mailbox_id: i64,
    pub name: String,
    pub email: String,
    pub status: MailboxStatus,
    pub last_sync_at: Option<Timestamp>,
    pub next_sync_at: Option<Timestamp>,
    pub last_error: Option<String>,
    /// The mailbox's storage quota is full: older mail keeps its headers only.
    pub quota_reached: bool,
    pub folders: Vec<FolderProgress>,
}

impl SyncProgress {
    /// Still moving: the page keeps polling.
    pub fn active(&self) -> bool {
        matches!(
            self.status,
            MailboxStatus::Syncing | MailboxStatus::WaitingFirstSync
        )
    }
}

/// One line of the message list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRow {
    pub id: i64,
    pub mailbox_id: i64,
    pub folder_id: i64,
    pub from_name: String,
    pub from_address: String,
    pub subject: String,
    pub snippet: String,
    /// RFC 3339, UTC.
    pub received_at: Timestamp,
    pub seen: bool,
    pub flagged: bool,
    pub has_attachments: bool,
    /// Over the size limit: only headers are kept ("too large, open on server").
    pub too_large: bool,
    /// Not downloaded because the mailbox's storage quota is full (headers only).
    pub over_quota: bool,
}

/// One page of a folder, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePage {
    pub mailbox_id: i64,
    pub folder_id: i64,
    pub folder_name: String,
    /// 1-based.
    pub page: u32,
    pub pages: u32,
    pub total: u64,
    pub messages: Vec<MessageRow>,
}

impl MessagePage {
    pub const PAGE_SIZE: u64 = 50;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(in_range: i32, headers: i32, bodies: i32, phase: &str) -> FolderProgress {
        FolderProgress {
            id: 1,
            name: "INBOX".into(),
            phase: Some(phase.parse().unwrap()),
            in_range,
            headers_done: headers,
            bodies_done: bodies,
            last_error: None,
        }
    }

    #[test]
    fn percent_counts_headers_then_bodies() {
        assert_eq!(folder(200, 100, 0, "headers").percent(), 25);
        assert_eq!(folder(200, 200, 100, "bodies").percent(), 75);
        assert_eq!(folder(200, 200, 200, "done").percent(), 100);
        assert_eq!(folder(0, 0, 0, "done").percent(), 100);
        assert_eq!(folder(0, 0, 0, "headers").percent(), 0);
    }
}
