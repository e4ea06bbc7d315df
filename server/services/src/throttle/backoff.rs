//! A bounded map of attempt counters with exponential back-off: a few attempts free, then
//! a wait that doubles with every further attempt, and one attempt forgiven per quiet
//! interval. Keys are fixed-size hashes, never the raw text a request brought, and the
//! map never holds more than its capacity.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

/// How one kind of attempt is slowed down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Attempts allowed before any wait.
    pub free: u32,
    /// The wait after the last free attempt; each further attempt doubles it.
    pub first_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
    /// One counted attempt is forgiven per `leak` without attempts.
    pub leak: Duration,
}

impl Policy {
    /// `factor` times the free attempts, forgiven `factor` times faster (a test deployment
    /// or a large office behind one address).
    pub fn scaled(self, factor: u32) -> Policy {
        let factor = factor.max(1);
        Policy {
            free: self.free.saturating_mul(factor),
            leak: (self.leak / factor).max(Duration::from_millis(1)),
            ..self
        }
    }

    fn delay(&self, count: u32) -> Option<Duration> {
        let over = count.checked_sub(self.free)?;
        let doubled = self
            .first_delay
            .checked_mul(1u32.checked_shl(over).unwrap_or(u32::MAX))
            .unwrap_or(self.max_delay);
        Some(doubled.min(self.max_delay))
    }
}

pub(super) type Key = u128;

#[derive(Clone, Copy, Debug)]
struct Entry {
    count: u32,
    /// The time up to which forgiveness has been applied to `count`.
    counted_at: Instant,
    blocked_until: Instant,
    /// After this the entry means nothing and may be dropped.
    expires_at: Instant,
}

impl Entry {
    fn fresh(now: Instant) -> Entry {
        Entry {
            count: 0,
            counted_at: now,
            blocked_until: now,
            expires_at: now,
        }
    }

    fn forgive(&mut self, leak: Duration, now: Instant) {
        let elapsed = now.saturating_duration_since(self.counted_at);
        let forgiven =
            u32::try_from(elapsed.as_nanos() / leak.as_nanos().max(1)).unwrap_or(u32::MAX);
        if forgiven >= self.count {
            self.count = 0;
            self.counted_at = now;
        } else {
            self.count -= forgiven;
            self.counted_at += leak * forgiven;
        }
    }

    fn settle(&mut self, policy: &Policy, now: Instant) {
        self.blocked_until = match policy.delay(self.count) {
            Some(delay) => now + delay,
            None => now,
        };
        let forgotten = self.counted_at + policy.leak.saturating_mul(self.count);
        self.expires_at = self.blocked_until.max(forgotten);
    }
}

/// The counters. Not thread-safe on its own: `Throttles` keeps it behind one mutex, so a
/// check and its count happen together and parallel requests cannot slip between them.
pub(super) struct BackoffMap {
    entries: HashMap<Key, Entry>,
    capacity: usize,
}

impl BackoffMap {
    pub fn new(capacity: usize) -> BackoffMap {
        BackoffMap {
            entries: HashMap::new(),
            capacity: capacity.max(8),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// How long `key` must still wait, if it must.
    pub fn blocked(&self, key: Key, now: Instant) -> Option<Duration> {
        let entry = self.entries.get(&key)?;
        (entry.blocked_until > now && entry.expires_at > now)
            .then(|| entry.blocked_until.saturating_duration_since(now))
    }

    /// Counts one attempt for `key`; past the free ones, the next must wait.
    pub fn hit(&mut self, key: Key, policy: &Policy, now: Instant) {
        let entry = self.entry(key, now);
        entry.forgive(policy.leak, now);
        entry.count = entry.count.saturating_add(1);
        entry.settle(policy, now);
    }

    /// Takes back one counted attempt (it turned out to be the rightful user).
    pub fn refund(&mut self, key: Key, policy: &Policy, now: Instant) {
        let Some(entry) = self.entries.get_mut(&key) else {
            return;
        };
        entry.forgive(policy.leak, now);
        entry.count = entry.count.saturating_sub(1);
        if entry.count < policy.free {
            entry.settle(policy, now);
        }
        if entry.count == 0 && entry.blocked_until <= now {
            self.entries.remove(&key);
        }
    }

    pub fn remove(&mut self, key: Key) {
        self.entries.remove(&key);
    }

    /// Remembers `key` (no count) until `now + lifetime`.
    pub fn mark(&mut self, key: Key, lifetime: Duration, now: Instant) {
        let entry = self.entry(key, now);
        entry.expires_at = entry.expires_at.max(now + lifetime);
    }

    pub fn marked(&self, key: Key, now: Instant) -> bool {
        self.entries.get(&key).is_some_and(|e| e.expires_at > now)
    }

    /// Drops entries that mean nothing any more; returns how many.
    pub fn sweep(&mut self, now: Instant) -> usize {
        let before = self.entries.len();
        self.entries.retain(|_, e| e.expires_at > now);
        before - self.entries.len()
    }

    fn entry(&mut self, key: Key, now: Instant) -> &mut Entry {
        if !self.entries.contains_key(&key) && self.entries.len() >= self.capacity {
            self.make_room(now);
        }
        let entry = self.entries.entry(key).or_insert_with(|| Entry::fresh(now));
        if entry.expires_at <= now {
            *entry = Entry::fresh(now);
        }
        entry
    }

    /// Full: drop what has expired, and if that is not an eighth, the eighth of entries
    /// closest to expiry (the smallest counts and shortest waits: a flood of new keys
    /// pushes out its own kind first, while long back-offs and known addresses stay).
    fn make_room(&mut self, now: Instant) {
        self.sweep(now);
        let target = self.capacity - self.capacity / 8;
        if self.entries.len() <= target {
            return;
        }
        let excess = self.entries.len() - target;
        let mut by_expiry: Vec<(Instant, Key)> = self
            .entries
            .iter()
            .map(|(k, e)| (e.expires_at, *k))
            .collect();
        by_expiry.select_nth_unstable_by_key(excess - 1, |(at, _)| *at);
        for (_, key) in &by_expiry[..excess] {
            self.entries.remove(key);
        }
        tracing::warn!(
            dropped = excess,
            capacity = self.capacity,
            "throttle table full: the entries closest to expiry were dropped"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Policy = Policy {
        free: 3,
        first_delay: Duration::from_secs(10),
        max_delay: Duration::from_secs(60),
        leak: Duration::from_secs(100),
    };

    #[test]
    fn free_attempts_then_a_doubling_wait_capped() {
        let mut map = BackoffMap::new(100);
        let mut now = Instant::now();
        for _ in 0..2 {
            map.hit(1, &POLICY, now);
            assert_eq!(map.blocked(1, now), None);
        }
        map.hit(1, &POLICY, now);
        let mut waits = Vec::new();
        for _ in 0..4 {
            let wait = map.blocked(1, now).unwrap();
            waits.push(wait.as_secs());
            now += wait;
            assert_eq!(map.blocked(1, now), None);
            map.hit(1, &POLICY, now);
        }
        assert_eq!(waits, [10, 20, 40, 60]);
    }

    #[test]
    fn quiet_time_forgives_and_entries_expire() {
        let mut map = BackoffMap::new(100);
        let start = Instant::now();
        for _ in 0..3 {
            map.hit(7, &POLICY, start);
        }
        assert!(map.blocked(7, start).is_some());
        // One attempt forgiven per 100 s: after 100 s, one more is free again.
        let later = start + Duration::from_secs(100);
        assert_eq!(map.blocked(7, later), None);
        map.hit(7, &POLICY, later);
        assert_eq!(map.blocked(7, later), Some(Duration::from_secs(10)));
        assert_eq!(map.sweep(later + Duration::from_secs(299)), 0);
        assert_eq!(map.sweep(later + Duration::from_secs(300)), 1);
        assert_eq!(map.len(), 0);
    }

    #[test]
    fn a_refund_lifts_the_wait_it_caused() {
        let mut map = BackoffMap::new(100);
        let now = Instant::now();
        for _ in 0..3 {
            map.hit(9, &POLICY, now);
        }
        assert!(map.blocked(9, now).is_some());
        map.refund(9, &POLICY, now);
        assert_eq!(map.blocked(9, now), None);
    }

    #[test]
    fn never_more_than_the_capacity_and_long_waits_survive_a_flood() {
        let mut map = BackoffMap::new(1000);
        let now = Instant::now();
        // A long back-off: 60 s wait, forgotten after 13 × 100 s.
        for _ in 0..13 {
            map.hit(u128::MAX, &POLICY, now);
        }
        for key in 0..10_000u128 {
            map.hit(key, &POLICY, now);
            assert!(map.len() <= 1000);
        }
        assert!(map.blocked(u128::MAX, now).is_some());
    }
}
