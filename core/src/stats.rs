//! Counters for `grouppickup show stats`: lock-free, cheap enough for the
//! pickup path.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Why a pickup attempt did not connect; the names are the values of the
/// GROUPPICKUP_STATUS channel variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Nothing pickable rings in the group.
    NoCall,
    /// The dialed string is not a group number.
    Invalid,
    /// The group's pickup_by excludes this picker.
    Denied,
    /// Anything else (the picker's channel could not be answered, ...).
    Failed,
}

impl Failure {
    pub fn as_str(self) -> &'static str {
        match self {
            Failure::NoCall => "NOCALL",
            Failure::Invalid => "INVALID",
            Failure::Denied => "DENIED",
            Failure::Failed => "FAILED",
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Default, Debug)]
pub struct Stats {
    calls_tracked: AtomicU64,
    pickups: AtomicU64,
    ring_ms_total: AtomicU64,
    nocall: AtomicU64,
    invalid: AtomicU64,
    denied: AtomicU64,
    failed: AtomicU64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub calls_tracked: u64,
    pub pickups: u64,
    pub ring_ms_total: u64,
    pub nocall: u64,
    pub invalid: u64,
    pub denied: u64,
    pub failed: u64,
}

impl Stats {
    pub fn call_tracked(&self) {
        self.calls_tracked.fetch_add(1, Relaxed);
    }

    pub fn picked(&self, rang_for: Duration) {
        self.pickups.fetch_add(1, Relaxed);
        self.ring_ms_total
            .fetch_add(rang_for.as_millis() as u64, Relaxed);
    }

    pub fn failed(&self, why: Failure) {
        let counter = match why {
            Failure::NoCall => &self.nocall,
            Failure::Invalid => &self.invalid,
            Failure::Denied => &self.denied,
            Failure::Failed => &self.failed,
        };
        counter.fetch_add(1, Relaxed);
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            calls_tracked: self.calls_tracked.load(Relaxed),
            pickups: self.pickups.load(Relaxed),
            ring_ms_total: self.ring_ms_total.load(Relaxed),
            nocall: self.nocall.load(Relaxed),
            invalid: self.invalid.load(Relaxed),
            denied: self.denied.load(Relaxed),
            failed: self.failed.load(Relaxed),
        }
    }
}
