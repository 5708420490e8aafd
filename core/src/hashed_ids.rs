//! A map from the 64-bit hash of a key to the calls it may belong to. The
//! ringing index keys calls by (user, linkedid) and legs by uniqueid; keeping
//! only the hash saves a copy of every such string, and the caller checks a
//! candidate against the call itself. Two keys can share a hash: the extra
//! ids are kept aside, so a collision costs time, never a wrong answer.

use super::fasthash::FastMap;
use super::ringing::CallId;
use std::collections::hash_map::Entry;

#[derive(Debug, Default)]
pub struct HashedIds {
    first: FastMap<u64, CallId>,
    /// Ids whose key hashes like the one in `first`; empty but for
    /// collisions.
    more: FastMap<u64, Vec<CallId>>,
}

impl HashedIds {
    /// The first id under `hash` that `is` confirms.
    #[inline]
    pub fn find(&self, hash: u64, is: impl Fn(CallId) -> bool) -> Option<CallId> {
        let id = *self.first.get(&hash)?;
        if is(id) {
            return Some(id);
        }
        self.more.get(&hash)?.iter().copied().find(|&id| is(id))
    }

    pub fn insert(&mut self, hash: u64, id: CallId) {
        match self.first.entry(hash) {
            Entry::Vacant(slot) => {
                slot.insert(id);
            }
            Entry::Occupied(_) => self.more.entry(hash).or_default().push(id),
        }
    }

    /// Removes one entry of `id` under `hash`.
    pub fn remove(&mut self, hash: u64, id: CallId) {
        let Some(&first) = self.first.get(&hash) else {
            return;
        };
        let Some(more) = self.more.get_mut(&hash) else {
            if first == id {
                self.first.remove(&hash);
            }
            return;
        };
        if first == id {
            // The first id goes; one of the others takes its place.
            if let Some(next) = more.pop() {
                self.first.insert(hash, next);
            }
        } else if let Some(at) = more.iter().position(|&x| x == id) {
            more.swap_remove(at);
        }
        if more.is_empty() {
            self.more.remove(&hash);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.first.is_empty()
    }

    pub fn len(&self) -> usize {
        self.first.len() + self.more.values().map(Vec::len).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colliding_keys_are_all_found_and_removed_one_by_one() {
        let mut ids = HashedIds::default();
        for id in [10, 11, 12] {
            ids.insert(7, id);
        }
        ids.insert(8, 20);
        assert_eq!(ids.len(), 4);
        for id in [10, 11, 12] {
            assert_eq!(ids.find(7, |x| x == id), Some(id));
        }
        assert_eq!(ids.find(7, |x| x == 20), None);
        assert_eq!(ids.find(9, |_| true), None);
        ids.remove(7, 10);
        assert_eq!(ids.find(7, |x| x == 10), None);
        assert_eq!(ids.find(7, |x| x == 12), Some(12));
        ids.remove(7, 12);
        ids.remove(7, 99);
        assert_eq!(ids.find(7, |x| x == 11), Some(11));
        ids.remove(7, 11);
        assert_eq!(ids.find(7, |_| true), None);
        assert_eq!(ids.len(), 1);
    }

    #[test]
    fn one_call_may_hold_two_entries_under_one_hash() {
        // Two legs of one call whose uniqueids collide.
        let mut ids = HashedIds::default();
        ids.insert(5, 1);
        ids.insert(5, 1);
        assert_eq!(ids.len(), 2);
        ids.remove(5, 1);
        assert_eq!(ids.find(5, |x| x == 1), Some(1));
        ids.remove(5, 1);
        assert_eq!(ids.len(), 0);
    }
}
