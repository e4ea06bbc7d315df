//! The sizes and bounds of a run (`FetchBounds`) and the body pass's batching under them.

use super::{fetch::in_short_sets, store::Pending};
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
    /// A first sync of a folder of this many messages or more searches first only its
    /// newest (`first`) messages and any after them, by sequence number, the rest after
    /// the list shows: at 10,000 messages Dovecot answers that search with the newest
    /// headers 30 ms sooner than the whole folder's, at 100,000 than the last range's
    /// (docs/benchmarks.md, fifty-first round). In a smaller folder the gain is less than
    /// the rest's search costs, one more round trip.
    pub narrow_from: i64,
    /// Whole messages per batch (parsed and written together), and at most this many
    /// bytes of them.
    pub body_batch: usize,
    pub body_batch_bytes: i64,
    /// Batches asked for in one UID FETCH, its answer cut into batches as it arrives: a
    /// link's round trip is paid once a fetch instead of once a batch (a 10k first sync
    /// over a link of 50 ms round trip took 3.5–5.0 s with one batch a fetch, 2.0–2.1 s
    /// with eight; docs/benchmarks.md, forty-fifth round).
    pub batches_per_fetch: usize,
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
            narrow_from: 2_000,
            body_batch: 250,
            body_batch_bytes: 4 << 20,
            batches_per_fetch: 8,
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
    /// The bounds of a sync connection: any answer may hold a full fetch of body batches
    /// twice over plus one largest message (90 MiB by default, bytes read and handed on,
    /// not held: the batches are cut from the answer as it arrives), and the answers of
    /// the fetches in flight together ([`FETCHES_IN_FLIGHT`]) as much each (180 MiB);
    /// literals up to the largest message kept.
    pub fn stream(&self) -> StreamLimits {
        let bytes = |n: i64| u64::try_from(n).unwrap_or(0);
        let defaults = StreamLimits::default();
        let one_fetch = bytes(self.fetch_bytes()) * 2 + bytes(self.max_message_bytes) + (1 << 20);
        StreamLimits {
            max_response_bytes: one_fetch,
            max_pipelined_bytes: one_fetch * FETCHES_IN_FLIGHT as u64,
            max_literal_bytes: bytes(self.max_message_bytes).max(bytes(self.max_header_bytes)),
            // What a first sync sends behind its LOGIN asks for header fields at most.
            max_staged_literal_bytes: bytes(self.max_header_bytes),
            read_timeout: self.read_timeout,
            ..defaults
        }
    }

    /// Messages one UID FETCH of whole messages asks for at most.
    pub fn fetch_messages(&self) -> usize {
        self.body_batch
            .max(1)
            .saturating_mul(self.batches_per_fetch.max(1))
    }

    /// Declared bytes one UID FETCH of whole messages asks for at most (a single larger
    /// message goes alone).
    pub fn fetch_bytes(&self) -> i64 {
        self.body_batch_bytes
            .saturating_mul(i64::try_from(self.batches_per_fetch.max(1)).unwrap_or(1))
    }
}

/// UID FETCHes of whole messages in flight at once: the next is asked for while the one
/// before is answered, so a link's round trip is not paid between them.
pub const FETCHES_IN_FLIGHT: usize = 2;

/// Groups pending messages (newest first) into UID FETCHes of at most
/// [`FetchBounds::fetch_messages`] messages and [`FetchBounds::fetch_bytes`] declared
/// bytes (a single larger message goes alone), each UID set within [`MAX_SET_CHARS`](super::fetch::MAX_SET_CHARS).
pub(super) fn fetches(wanted: &[Pending], limits: &FetchBounds) -> Vec<Vec<Pending>> {
    let (count, max_bytes) = (limits.fetch_messages(), limits.fetch_bytes());
    let mut groups = Vec::new();
    let mut current: Vec<Pending> = Vec::new();
    let mut bytes = 0;
    for p in wanted {
        if !current.is_empty() && (current.len() >= count || bytes + p.size > max_bytes) {
            groups.push(std::mem::take(&mut current));
            bytes = 0;
        }
        current.push(*p);
        bytes += p.size.max(0);
    }
    groups.push(current);
    groups
        .iter()
        .flat_map(|g| in_short_sets(g, |p| p.uid))
        .map(<[_]>::to_vec)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::fetch::{MAX_SET_CHARS, uid_set};
    use chrono::{DateTime, Utc};

    fn pending(uids_sizes: &[(i64, i64)]) -> Vec<Pending> {
        uids_sizes
            .iter()
            .map(|&(uid, size)| Pending {
                uid,
                size,
                received_at: DateTime::<Utc>::UNIX_EPOCH,
                new_row: None,
            })
            .collect()
    }

    fn uids(groups: &[Vec<Pending>]) -> Vec<Vec<i64>> {
        groups
            .iter()
            .map(|g| g.iter().map(|p| p.uid).collect())
            .collect()
    }

    #[test]
    fn fetches_respect_count_and_bytes() {
        let wanted = pending(&[(9, 10), (8, 10), (7, 10), (6, 95), (5, 500), (4, 1)]);
        let one = FetchBounds {
            body_batch: 2,
            body_batch_bytes: 100,
            batches_per_fetch: 1,
            ..FetchBounds::default()
        };
        assert_eq!(
            uids(&fetches(&wanted, &one)),
            vec![vec![9, 8], vec![7], vec![6], vec![5], vec![4]]
        );
        // Two batches a fetch: four messages, 200 declared bytes.
        let two = FetchBounds {
            batches_per_fetch: 2,
            ..one
        };
        assert_eq!(
            uids(&fetches(&wanted, &two)),
            vec![vec![9, 8, 7, 6], vec![5], vec![4]]
        );
    }

    #[test]
    fn a_fetch_of_scattered_uids_is_split_to_a_short_command() {
        // Every other UID, ten digits: 2,000 of them would be a 22,000-character set.
        let wanted: Vec<(i64, i64)> = (0..2000).map(|n| (4_000_000_000 - 2 * n, 1)).collect();
        let wanted = pending(&wanted);
        let groups = fetches(&wanted, &FetchBounds::default());
        assert_eq!(groups.len(), 4);
        for g in &groups {
            let set: Vec<i64> = g.iter().map(|p| p.uid).collect();
            assert!(uid_set(&set).len() <= MAX_SET_CHARS);
        }
        assert_eq!(groups.concat(), wanted, "every message once, in order");
        // Contiguous UIDs make a short set: one fetch.
        let close: Vec<(i64, i64)> = (0..2000).map(|n| (4_000_000_000 - n, 1)).collect();
        assert_eq!(fetches(&pending(&close), &FetchBounds::default()).len(), 1);
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
        // Eight batches of 8 MiB a fetch, twice over, and one largest message; as much
        // for each of the two fetches in flight.
        assert_eq!(stream.max_response_bytes, (128 + 25 + 1) << 20);
        assert_eq!(stream.max_pipelined_bytes, 2 * ((128 + 25 + 1) << 20));
        assert_eq!(stream.max_literal_bytes, 25 << 20);
        let small = FetchBounds {
            body_batch_bytes: 1000,
            batches_per_fetch: 1,
            max_message_bytes: 1000,
            max_header_bytes: 500,
            ..FetchBounds::default()
        }
        .stream();
        assert_eq!(small.max_response_bytes, 3000 + (1 << 20));
        assert_eq!(small.max_literal_bytes, 1000);
    }
}
