//! A moment on the wire: Unix seconds (UTC), typed, shown by one formatter, never a
//! string cut into pieces.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// `2026-11-30 08:15` (UTC, to the minute); empty for a moment `time` cannot hold.
    pub fn minute_text(self) -> String {
        let Ok(t) = time::OffsetDateTime::from_unix_timestamp(self.0) else {
            return String::new();
        };
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        )
    }

    /// RFC 3339 in UTC for `<time datetime>`, e.g. `2026-11-30T08:15:00Z`.
    pub fn machine_text(self) -> String {
        let Ok(t) = time::OffsetDateTime::from_unix_timestamp(self.0) else {
            return String::new();
        };
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_to_the_minute() {
        // 2026-11-30T08:15:42Z
        let t = Timestamp(1_796_026_542);
        assert_eq!(t.minute_text(), "2026-11-30 08:15");
        assert_eq!(t.machine_text(), "2026-11-30T08:15:42Z");
        assert_eq!(Timestamp(0).minute_text(), "1970-01-01 00:00");
        assert_eq!(Timestamp(i64::MAX).minute_text(), "");
    }
}
