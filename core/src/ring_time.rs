//! When a call first rang, on a clock other machines share: microseconds
//! since the Unix epoch. Ring order is by this time, so a registry kept
//! outside this process (or on several servers) can order calls the same
//! way; a process-local counter or `Instant` could not be compared there.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Microseconds since 1970-01-01 UTC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RingTime(pub u64);

impl RingTime {
    /// The wall clock now.
    pub fn now() -> RingTime {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        RingTime(since_epoch.as_micros().min(u64::MAX as u128) as u64)
    }

    pub fn from_millis(ms: u64) -> RingTime {
        RingTime(ms.saturating_mul(1000))
    }

    pub fn as_micros(self) -> u64 {
        self.0
    }

    /// How long ago this was at `now`; zero when the clock went back.
    pub fn elapsed_at(self, now: RingTime) -> Duration {
        Duration::from_micros(now.0.saturating_sub(self.0))
    }

    pub fn plus(self, d: Duration) -> RingTime {
        RingTime(
            self.0
                .saturating_add(d.as_micros().min(u64::MAX as u128) as u64),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_never_goes_negative() {
        let t = RingTime(5_000_000);
        assert_eq!(
            t.elapsed_at(RingTime(5_250_000)),
            Duration::from_millis(250)
        );
        assert_eq!(t.elapsed_at(RingTime(4_000_000)), Duration::ZERO);
        assert_eq!(t.plus(Duration::from_millis(1)), RingTime(5_001_000));
        assert!(RingTime::now() > RingTime::from_millis(1_600_000_000_000));
    }
}
