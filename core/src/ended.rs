//! Legs that have stopped ringing, remembered for a while: a host may hear
//! of a leg's ring again after its end (Asterisk's channel cache, read when
//! the configuration changes, lags behind a pickup that just moved the leg
//! into its picker). A leg's id is never reused, so a ring of an ended leg
//! is old news and must not file the call again, where nothing would ever
//! say it stopped.

use std::collections::{HashSet, VecDeque};

/// How many ended legs are remembered: at 40 calls a second, well over a
/// minute, far longer than any lag of a host's view.
pub const KEPT: usize = 4096;

#[derive(Default)]
pub struct EndedLegs {
    order: VecDeque<String>,
    ids: HashSet<String>,
}

impl EndedLegs {
    pub fn insert(&mut self, leg: &str) {
        if self.ids.contains(leg) {
            return;
        }
        if self.order.len() == KEPT {
            if let Some(oldest) = self.order.pop_front() {
                self.ids.remove(&oldest);
            }
        }
        self.order.push_back(leg.to_string());
        self.ids.insert(leg.to_string());
    }

    pub fn contains(&self, leg: &str) -> bool {
        self.ids.contains(leg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ended_leg_is_remembered_until_many_more_have_ended() {
        let mut ended = EndedLegs::default();
        ended.insert("leg-0");
        ended.insert("leg-0");
        assert!(ended.contains("leg-0"));
        assert!(!ended.contains("leg-1"));
        for i in 1..KEPT {
            ended.insert(&format!("leg-{i}"));
        }
        assert!(ended.contains("leg-0"), "still within the last {KEPT}");
        ended.insert("one more");
        assert!(!ended.contains("leg-0"), "the oldest is forgotten");
        assert!(ended.contains("one more"));
        assert_eq!(ended.order.len(), KEPT);
    }
}
