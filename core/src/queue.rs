//! The pickable calls of one group in ring order. Most groups have at most
//! one call ringing at a time, so that case needs no allocation; a busier
//! group keeps an ordered set.

use super::ringing::CallId;
use std::collections::BTreeSet;

#[derive(Clone, Debug)]
pub enum Queue {
    One(CallId),
    Many(BTreeSet<CallId>),
}

impl Queue {
    pub fn insert(&mut self, id: CallId) {
        match self {
            Queue::One(first) if *first == id => {}
            Queue::One(first) => *self = Queue::Many(BTreeSet::from([*first, id])),
            Queue::Many(set) => {
                set.insert(id);
            }
        }
    }

    /// Removes `id`; returns false when no call is left (the queue is then
    /// to be dropped).
    pub fn remove(&mut self, id: CallId) -> bool {
        match self {
            Queue::One(only) => *only != id,
            Queue::Many(set) => {
                set.remove(&id);
                match set.first() {
                    Some(&last) if set.len() == 1 => *self = Queue::One(last),
                    Some(_) => {}
                    None => return false,
                }
                true
            }
        }
    }

    /// Oldest first.
    pub fn iter(&self) -> impl Iterator<Item = CallId> + '_ {
        let (one, many) = match self {
            Queue::One(id) => (Some(*id), None),
            Queue::Many(set) => (None, Some(set.iter().copied())),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Queue::Many(set) if set.is_empty())
    }

    pub fn len(&self) -> usize {
        match self {
            Queue::One(_) => 1,
            Queue::Many(set) => set.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_ring_order_and_shrinks_back() {
        let mut q = Queue::One(5);
        q.insert(3);
        q.insert(9);
        q.insert(5);
        assert_eq!(q.iter().collect::<Vec<_>>(), [3, 5, 9]);
        assert_eq!(q.len(), 3);
        assert!(q.remove(5));
        assert!(q.remove(3));
        assert!(matches!(q, Queue::One(9)));
        assert!(q.remove(4), "an unknown id changes nothing");
        assert!(!q.remove(9));
        assert!(!q.is_empty(), "the last call stays for the caller to drop");
    }
}
