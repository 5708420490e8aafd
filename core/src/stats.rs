//! Counters for `grouppickup show stats` (totals, lock-free) and for the
//! metrics (per group, under a lock taken once per pickup attempt, never
//! for a ringing leg): cheap enough for the pickup path.

use super::fasthash::FastMap;
use super::number::GroupNumber;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
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
    /// Every reason, in the order of [`GroupCounts::failures`].
    pub const ALL: [Failure; 4] = [
        Failure::NoCall,
        Failure::Invalid,
        Failure::Denied,
        Failure::Failed,
    ];

    fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Failure::NoCall => "NOCALL",
            Failure::Invalid => "INVALID",
            Failure::Denied => "DENIED",
            Failure::Failed => "FAILED",
        }
    }

    /// What the reason means, for a log line about a picker's attempt.
    pub fn explanation(self) -> &'static str {
        match self {
            Failure::NoCall => "no pickable call is ringing in that group",
            Failure::Invalid => "not a group number of any configured range",
            Failure::Denied => "this picker is not allowed to pick up in that group",
            Failure::Failed => "the pickup could not be completed",
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
    /// Per group; `None` for attempts that named no group (INVALID, or a
    /// call another server asked for by a token that no longer holds).
    /// A hash map: the pickup path finds its group in it at once, whatever
    /// the number of groups; readers sort.
    by_group: Mutex<FastMap<Option<GroupNumber>, GroupCounts>>,
}

/// What happened in one group since load.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupCounts {
    pub pickups: u64,
    /// The ring time of the calls picked up, summed.
    pub ring_ms_total: u64,
    /// Failed attempts, by [`Failure::ALL`]'s order.
    pub failures: [u64; 4],
}

impl GroupCounts {
    pub fn failed(&self, why: Failure) -> u64 {
        self.failures[why.index()]
    }
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

    pub fn picked(&self, group: GroupNumber, rang_for: Duration) {
        let ms = rang_for.as_millis() as u64;
        self.pickups.fetch_add(1, Relaxed);
        self.ring_ms_total.fetch_add(ms, Relaxed);
        self.in_group(Some(group), |c| {
            c.pickups += 1;
            c.ring_ms_total += ms;
        });
    }

    pub fn failed(&self, group: Option<GroupNumber>, why: Failure) {
        let counter = match why {
            Failure::NoCall => &self.nocall,
            Failure::Invalid => &self.invalid,
            Failure::Denied => &self.denied,
            Failure::Failed => &self.failed,
        };
        counter.fetch_add(1, Relaxed);
        self.in_group(group, |c| c.failures[why.index()] += 1);
    }

    fn in_group(&self, group: Option<GroupNumber>, count: impl FnOnce(&mut GroupCounts)) {
        let mut by_group = self.by_group.lock().unwrap_or_else(|e| e.into_inner());
        count(by_group.entry(group).or_default());
    }

    /// The counts of every group that has had a pickup attempt, in group
    /// order; attempts that named no group first, under `None`.
    pub fn by_group(&self) -> Vec<(Option<GroupNumber>, GroupCounts)> {
        let mut counts: Vec<_> = {
            let by_group = self.by_group.lock().unwrap_or_else(|e| e.into_inner());
            by_group.iter().map(|(g, c)| (*g, *c)).collect()
        };
        counts.sort_unstable_by_key(|(g, _)| *g);
        counts
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_its_own_explanation() {
        let mut seen: Vec<&str> = Failure::ALL.iter().map(|f| f.explanation()).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), Failure::ALL.len());
        assert!(Failure::NoCall.explanation().contains("no pickable call"));
    }

    fn n(text: &str) -> GroupNumber {
        text.parse().unwrap()
    }

    #[test]
    fn counts_are_kept_per_group_and_in_total() {
        let stats = Stats::default();
        stats.picked(n("*101"), Duration::from_millis(1500));
        stats.picked(n("*101"), Duration::from_millis(500));
        stats.picked(n("*102"), Duration::from_millis(250));
        stats.failed(Some(n("*101")), Failure::NoCall);
        stats.failed(Some(n("*102")), Failure::Denied);
        stats.failed(Some(n("*102")), Failure::Denied);
        stats.failed(None, Failure::Invalid);

        let by_group = stats.by_group();
        let groups: Vec<Option<GroupNumber>> = by_group.iter().map(|(g, _)| *g).collect();
        assert_eq!(groups, [None, Some(n("*101")), Some(n("*102"))]);
        let (_, nowhere) = by_group[0];
        assert_eq!(nowhere.failed(Failure::Invalid), 1);
        assert_eq!(nowhere.pickups, 0);
        let (_, sales) = by_group[1];
        assert_eq!((sales.pickups, sales.ring_ms_total), (2, 2000));
        assert_eq!(sales.failures, [1, 0, 0, 0]);
        let (_, support) = by_group[2];
        assert_eq!((support.pickups, support.ring_ms_total), (1, 250));
        assert_eq!(support.failed(Failure::Denied), 2);
        assert_eq!(support.failed(Failure::NoCall), 0);

        // The totals add the groups up.
        let total = stats.snapshot();
        assert_eq!((total.pickups, total.ring_ms_total), (3, 2250));
        assert_eq!(
            (total.nocall, total.invalid, total.denied, total.failed),
            (1, 1, 2, 0)
        );
    }

    #[test]
    fn reasons_index_their_own_counter() {
        for (i, why) in Failure::ALL.into_iter().enumerate() {
            let mut counts = GroupCounts::default();
            counts.failures[i] = 7;
            assert_eq!(counts.failed(why), 7, "{why}");
        }
    }
}
