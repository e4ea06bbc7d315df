//! Commands whose UID sets stay short enough for every server.

use super::uid_set;

/// Characters of a UID set in one command at most: RFC 7162 §4 asks clients to keep a
/// command line to about 8,192 octets, and a server may answer a longer one with BAD.
pub const MAX_SET_CHARS: usize = 8000;

/// `items` in consecutive parts, in order, each naming a UID set (by `uid`) of at most
/// [`MAX_SET_CHARS`]: a part is halved until it does. Runs of UIDs make short sets, so a
/// folder without gaps keeps one part. None for no items.
pub fn in_short_sets<T>(items: &[T], uid: impl Fn(&T) -> i64 + Copy) -> Vec<&[T]> {
    if items.is_empty() {
        return Vec::new();
    }
    let uids: Vec<i64> = items.iter().map(uid).collect();
    if items.len() < 2 || uid_set(&uids).len() <= MAX_SET_CHARS {
        return vec![items];
    }
    let (first, second) = items.split_at(items.len() / 2);
    let mut out = in_short_sets(first, uid);
    out.extend(in_short_sets(second, uid));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_full_of_gaps_is_halved_until_each_part_is_short() {
        // Every other UID, ten digits: 5,000 of them would be a 55,000-character set.
        let uids: Vec<i64> = (0..5_000).map(|n| 4_000_000_000 - 2 * n).collect();
        let parts = in_short_sets(&uids, |u| *u);
        assert_eq!(parts.len(), 8);
        assert!(parts.iter().all(|p| uid_set(p).len() <= MAX_SET_CHARS));
        assert_eq!(parts.concat(), uids, "every UID once, in order");
        // A run is one short set, however long.
        let run: Vec<i64> = (1..=100_000).rev().collect();
        assert_eq!(in_short_sets(&run, |u| *u).len(), 1);
        assert!(in_short_sets(&[] as &[i64], |u| *u).is_empty());
    }
}
