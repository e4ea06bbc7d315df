//! The runs under way in this process, by task.

use super::SyncRunner;
use crate::sync::schedule;
use chrono::{DateTime, Utc};
use std::{collections::HashMap, sync::Arc};
use tokio::task::{AbortHandle, JoinSet};

/// One run under way: its mailbox and when it was claimed.
#[derive(Clone, Copy)]
pub(super) struct Running {
    pub(super) mailbox: i64,
    pub(super) claimed_at: DateTime<Utc>,
}
/// The runs under way, by task.
#[derive(Default)]
pub(super) struct Runs {
    pub(super) set: JoinSet<schedule::Outcome>,
    pub(super) by_task: HashMap<tokio::task::Id, (Running, AbortHandle)>,
}

impl Runs {
    pub(super) fn len(&self) -> usize {
        self.by_task.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.by_task.is_empty()
    }

    pub(super) fn start(
        &mut self,
        runner: &Arc<dyn SyncRunner>,
        mailbox: i64,
        claimed_at: DateTime<Utc>,
    ) {
        let handle = self.set.spawn(runner.run(mailbox));
        self.by_task.insert(
            handle.id(),
            (
                Running {
                    mailbox,
                    claimed_at,
                },
                handle,
            ),
        );
    }

    pub(super) fn remove(&mut self, task: tokio::task::Id) -> Option<Running> {
        self.by_task.remove(&task).map(|(run, _)| run)
    }

    /// Cancels the run of `mailbox`, if one is under way.
    pub(super) fn cancel(&mut self, mailbox: i64) -> bool {
        let found = self
            .by_task
            .values()
            .find(|(run, _)| run.mailbox == mailbox);
        found.map(|(_, handle)| handle.abort()).is_some()
    }
}
