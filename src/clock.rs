//! Time as Dockward records it: RFC 3339 in UTC, and a [`Clock`] that tests
//! and schedulers can replace. A leaf module: it depends on nothing else
//! here, so the store can use it without reaching into the engine.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Where "now" comes from. The system clock in use, a fixed one in tests.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that says what it is told: for tests.
#[derive(Debug)]
pub struct FixedClock(pub std::sync::Mutex<OffsetDateTime>);

impl FixedClock {
    /// A clock stopped at `at`.
    pub fn at(at: OffsetDateTime) -> FixedClock {
        FixedClock(std::sync::Mutex::new(at))
    }

    /// Moves it by `by`.
    pub fn advance(&self, by: time::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A time as RFC 3339 (UTC, seconds precision or finer as `time` writes it).
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Now, as RFC 3339 UTC.
pub fn now_rfc3339() -> String {
    rfc3339(OffsetDateTime::now_utc())
}

/// Parses an RFC 3339 timestamp to seconds since the epoch.
pub fn parse_unix(s: &str) -> Option<i64> {
    OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// Parses an RFC 3339 date or a plain `YYYY-MM-DD` (midnight UTC) and
/// returns it as RFC 3339 UTC; `None` when it is neither.
pub fn parse_date(s: &str) -> Option<String> {
    let t = if s.len() == 10 {
        format!("{s}T00:00:00Z")
    } else {
        s.to_string()
    };
    OffsetDateTime::parse(&t, &Rfc3339).ok().map(rfc3339)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_both_ways() {
        assert_eq!(
            parse_date("2026-11-01").as_deref(),
            Some("2026-11-01T00:00:00Z")
        );
        assert_eq!(
            parse_date("2026-11-01T10:00:00+02:00").as_deref(),
            Some("2026-11-01T08:00:00Z")
        );
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_unix("1970-01-01T00:01:00Z"), Some(60));
    }

    #[test]
    fn a_fixed_clock_moves_only_when_told() {
        let c = FixedClock::at(time::macros::datetime!(2026-01-01 0:00 UTC));
        let before = c.now();
        c.advance(time::Duration::hours(2));
        assert_eq!(c.now() - before, time::Duration::hours(2));
    }
}
