//! The doubling wait of the background workers whose retries are kept in database rows
//! (write-backs, copies in Sent), so that they survive restarts and are shared by every
//! process; an in-process retry crate (such as `backon`) cannot hold them.

use chrono::Duration;

/// How long after the `attempts`-th failed attempt the next one is: `first` doubling,
/// at most `max`.
pub fn backoff(attempts: u32, first: std::time::Duration, max: std::time::Duration) -> Duration {
    let factor = 1u32
        .checked_shl(attempts.saturating_sub(1))
        .unwrap_or(u32::MAX);
    let wait = first.checked_mul(factor).unwrap_or(max).min(max);
    Duration::from_std(wait).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration as Std;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let (first, max) = (Std::from_secs(30), Std::from_secs(600));
        let secs = |n| backoff(n, first, max).num_seconds();
        assert_eq!([secs(1), secs(2), secs(3), secs(4)], [30, 60, 120, 240]);
        assert_eq!(secs(6), 600);
        assert_eq!(secs(60), 600);
    }
}
