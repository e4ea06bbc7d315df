//! The sizes and bounds of a run (`FetchBounds`) and the body pass's batching under them.

use super::store::Pending;
use crate::mail::bounded_stream::StreamLimits;
use std::time::Duration;

/// Sizes and bounds of a run (see the README's configuration table).
#[derive(Clone, Copy, Debug)]
pub struct FetchBounds {
    /// Header blocks per UID FETCH.
    pub header_batch: usize,
    /// New messages that get their header rows before any body, newest first, so that
    /// the list shows them at once (at most one header FETCH: see [`FetchBounds::first`]);
    /// the rest is fetched once, whole. Two pages of the list: a first sync of 1,000
    /// messages took 0.113 s instead of 0.123 s with 500, its first page 0.026 s instead
    /// of 0.040 s (docs/benchmarks.md, forty-third round).
    pub first_rows: usize,
    /// UIDs per UID SEARCH range in a folder of more than twice as many messages (see
    /// `fetch::search_ranges`).
    pub search_range: i64,
    /// Whole messages per UID FETCH, and at most this many (declared) bytes of them.
    pub body_batch: usize,
    pub body_batch_bytes: i64,
    /// Larger messages keep their headers and show "too large, open on server"; the
    /// bytes a server actually sends count, not the size it declares.
    pub max_message_bytes: i64,
    /// Header fields over this are not kept (real ones are under a kilobyte or two).
    pub max_header_bytes: i64,
    /// One IMAP command may take this long before the run counts as failed.
    pub command_timeout: Duration,
    /// A read that waits this long without a byte ends the connection.
    pub read_timeout: Duration,
    /// A whole run (connect to logout) ends by then; the next run goes on.
    pub run_deadline: Duration,
    /// Bodies kept per mailbox; newer mail pushes older bodies out, and what does not
    /// fit keeps its headers only ("storage quota reached").
    pub mailbox_quota_bytes: i64,
}

impl FetchBounds {
    /// New messages that get their header rows first: [`FetchBounds::first_rows`], in one
    /// header FETCH.
    pub fn first(&self) -> usize {
        self.first_rows.min(self.header_batch).max(1)
    }

    /// `max_header_bytes` as the bound `fetch::headers` takes (none below zero).
    pub fn header_limit(&self) -> u64 {
        u64::try_from(self.max_header_bytes).unwrap_or(0)
    }
}

impl Default for FetchBounds {
    fn default() -> Self {
        FetchBounds {
            header_batch: 500,
            first_rows: 100,
            search_range: 10_000,
            body_batch: 250,
            body_batch_bytes: 4 << 20,
            max_message_bytes: 25 << 20,
            max_header_bytes: 256 << 10,
            command_timeout: Duration::from_secs(120),
            read_timeout: Duration::from_secs(60),
            run_deadline: Duration::from_secs(15 * 60),
            mailbox_quota_bytes: 2048 << 20,
        }
    }
}

impl FetchBounds {
    /// The bounds of a sync connection: any answer may hold a full body batch twice over
    /// plus one largest message (42 MiB by default); literals up to the largest message
    /// kept.
    pub fn stream(&self) -> StreamLimits {
        let bytes = |n: i64| u64::try_from(n).unwrap_or(0);
        let defaults = StreamLimits::default();
        StreamLimits {
            max_response_bytes: bytes(self.body_batch_bytes) * 2
                + bytes(self.max_message_bytes)
                + (1 << 20),
            max_literal_bytes: bytes(self.max_message_bytes).max(bytes(self.max_header_bytes)),
            read_timeout: self.read_timeout,
            ..defaults
        }
    }
}

/// Groups pending messages into fetches of at most `body_batch` messages and
/// `body_batch_bytes` declared bytes (a single larger message goes alone).
pub(super) fn batches(wanted: &[Pending], limits: &FetchBounds) -> Vec<Vec<Pending>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    let mut bytes = 0;
    for p in wanted {
        if !current.is_empty()
            && (current.len() >= limits.body_batch || bytes + p.size > limits.body_batch_bytes)
        {
            out.push(std::mem::take(&mut current));
            bytes = 0;
        }
        current.push(*p);
        bytes += p.size.max(0);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    #[test]
    fn batches_respect_count_and_bytes() {
        let limits = FetchBounds {
            body_batch: 2,
            body_batch_bytes: 100,
            ..FetchBounds::default()
        };
        let wanted: Vec<Pending> = [(9, 10), (8, 10), (7, 10), (6, 95), (5, 500), (4, 1)]
            .into_iter()
            .map(|(uid, size)| Pending {
                uid,
                size,
                received_at: DateTime::<Utc>::UNIX_EPOCH,
            })
            .collect();
        let uids: Vec<Vec<i64>> = batches(&wanted, &limits)
            .iter()
            .map(|b| b.iter().map(|p| p.uid).collect())
            .collect();
        assert_eq!(uids, vec![vec![9, 8], vec![7], vec![6], vec![5], vec![4]]);
    }

    #[test]
    fn the_first_rows_are_two_pages_in_one_header_fetch() {
        let d = FetchBounds::default();
        assert_eq!(d.first(), 100);
        assert_eq!(
            FetchBounds {
                header_batch: 20,
                ..d
            }
            .first(),
            20
        );
        assert_eq!(FetchBounds { first_rows: 0, ..d }.first(), 1);
    }

    #[test]
    fn stream_bounds_follow_the_limits() {
        let limits = FetchBounds {
            body_batch_bytes: 8 << 20,
            max_message_bytes: 25 << 20,
            ..FetchBounds::default()
        };
        let stream = limits.stream();
        assert_eq!(stream.max_response_bytes, (16 + 25 + 1) << 20);
        assert_eq!(stream.max_literal_bytes, 25 << 20);
        let small = FetchBounds {
            body_batch_bytes: 1000,
            max_message_bytes: 1000,
            max_header_bytes: 500,
            ..FetchBounds::default()
        }
        .stream();
        assert_eq!(small.max_response_bytes, 3000 + (1 << 20));
        assert_eq!(small.max_literal_bytes, 1000);
    }
}
