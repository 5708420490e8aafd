//! The index of ringing calls: per group, the pickable calls in the order they
//! first rang. A call is one caller ringing one user; the legs are that call's
//! channels towards the user's devices (several when the user's phones ring
//! simultaneously).
//!
//! Every operation is a hash lookup or an ordered-set operation on one group:
//! nothing here grows with the number of channels in the system.

use super::number::GroupNumber;
use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

/// One channel towards one device, as Asterisk names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leg {
    pub uniqueid: String,
    pub name: String,
}

/// Ring order: the sequence number the call got when it first rang.
pub type CallId = u64;

#[derive(Clone, Debug)]
pub struct RingingCall {
    pub id: CallId,
    pub group: GroupNumber,
    pub user: String,
    /// Asterisk's linkedid: the same for every leg of one caller's call.
    pub linkedid: String,
    pub caller_number: String,
    pub caller_name: String,
    pub since: Instant,
    pub legs: Vec<Leg>,
    /// A picker holds this call right now; it is not offered to others.
    pub claimed: bool,
}

/// A ringing leg as learnt from Asterisk, already matched to a user.
#[derive(Clone, Debug)]
pub struct RingingLeg<'a> {
    pub leg: Leg,
    pub user: &'a str,
    pub group: GroupNumber,
    pub linkedid: &'a str,
    pub caller_number: &'a str,
    pub caller_name: &'a str,
}

/// What a picker gets: the call it now holds exclusively.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub id: CallId,
    pub group: GroupNumber,
    pub user: String,
    pub caller_number: String,
    pub caller_name: String,
    pub legs: Vec<Leg>,
    pub since: Instant,
}

/// What [`RingingIndex::stop`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// The leg was not tracked.
    Unknown,
    /// The leg went; its call still rings at another device.
    Leg,
    /// The leg was its call's last: the call is gone from this group.
    Call(GroupNumber),
}

#[derive(Default, Debug)]
pub struct RingingIndex {
    next_id: CallId,
    calls: HashMap<CallId, RingingCall>,
    by_call: HashMap<(String, String), CallId>,
    by_leg: HashMap<String, CallId>,
    /// Pickable (unclaimed) calls per group, oldest first.
    queues: HashMap<GroupNumber, BTreeSet<CallId>>,
}

impl RingingIndex {
    /// Records that a leg rings. Returns true when this started a new call
    /// (the first leg of that caller towards that user).
    pub fn ring(&mut self, leg: RingingLeg<'_>, now: Instant) -> bool {
        if let Some(&id) = self.by_leg.get(&leg.leg.uniqueid) {
            // A leg that rings again (a second 180) changes nothing.
            if let Some(call) = self.calls.get_mut(&id) {
                if let Some(known) = call
                    .legs
                    .iter_mut()
                    .find(|l| l.uniqueid == leg.leg.uniqueid)
                {
                    known.name = leg.leg.name;
                }
            }
            return false;
        }
        let key = (leg.user.to_string(), leg.linkedid.to_string());
        if let Some(&id) = self.by_call.get(&key) {
            if let Some(call) = self.calls.get_mut(&id) {
                self.by_leg.insert(leg.leg.uniqueid.clone(), id);
                call.legs.push(leg.leg);
                return false;
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        self.by_leg.insert(leg.leg.uniqueid.clone(), id);
        self.by_call.insert(key, id);
        self.queues.entry(leg.group).or_default().insert(id);
        self.calls.insert(
            id,
            RingingCall {
                id,
                group: leg.group,
                user: leg.user.to_string(),
                linkedid: leg.linkedid.to_string(),
                caller_number: leg.caller_number.to_string(),
                caller_name: leg.caller_name.to_string(),
                since: now,
                legs: vec![leg.leg],
                claimed: false,
            },
        );
        true
    }

    /// Records that a leg stopped ringing (answered, cancelled, hung up,
    /// picked up). The call goes when its last leg goes.
    pub fn stop(&mut self, uniqueid: &str) -> Stopped {
        let Some(id) = self.by_leg.remove(uniqueid) else {
            return Stopped::Unknown;
        };
        let Some(call) = self.calls.get_mut(&id) else {
            return Stopped::Unknown;
        };
        call.legs.retain(|l| l.uniqueid != uniqueid);
        if !call.legs.is_empty() {
            return Stopped::Leg;
        }
        let group = call.group;
        self.remove(id);
        Stopped::Call(group)
    }

    /// Hands the oldest pickable call of a group to one picker. Until the
    /// claim is finished nobody else is offered that call: this is where
    /// "exactly one picker wins" is decided.
    pub fn claim_oldest(&mut self, group: &GroupNumber) -> Option<Claim> {
        self.claim_first(group, |_| true)
    }

    /// Like [`claim_oldest`](Self::claim_oldest), skipping calls `eligible`
    /// refuses (those stay pickable for others).
    pub fn claim_first(
        &mut self,
        group: &GroupNumber,
        eligible: impl Fn(&RingingCall) -> bool,
    ) -> Option<Claim> {
        let queue = self.queues.get_mut(group)?;
        let id = *queue
            .iter()
            .find(|id| self.calls.get(id).is_some_and(&eligible))?;
        queue.remove(&id);
        if queue.is_empty() {
            self.queues.remove(group);
        }
        let call = self.calls.get_mut(&id)?;
        call.claimed = true;
        Some(Claim {
            id,
            group: call.group,
            user: call.user.clone(),
            caller_number: call.caller_number.clone(),
            caller_name: call.caller_name.clone(),
            legs: call.legs.clone(),
            since: call.since,
        })
    }

    /// The claimed call was picked up, or none of its legs could be: either
    /// way it is gone from the index.
    pub fn finish(&mut self, id: CallId) {
        self.remove(id);
    }

    /// The picker could not complete (its own side failed): the call is
    /// offered again, in its original ring position.
    pub fn release(&mut self, id: CallId) {
        if let Some(call) = self.calls.get_mut(&id) {
            if call.claimed {
                call.claimed = false;
                self.queues.entry(call.group).or_default().insert(id);
            }
        }
    }

    /// Moves every call to the group `group_of` gives for its user, or drops
    /// it when the user has no group any more (after a reload or a
    /// re-assignment).
    pub fn regroup(&mut self, group_of: impl Fn(&str) -> Option<GroupNumber>) {
        let ids: Vec<CallId> = self.calls.keys().copied().collect();
        for id in ids {
            let (old, new, claimed) = {
                let call = &self.calls[&id];
                (call.group, group_of(&call.user), call.claimed)
            };
            match new {
                Some(group) if group == old => {}
                Some(group) => {
                    self.unqueue(&old, id);
                    if let Some(call) = self.calls.get_mut(&id) {
                        call.group = group;
                    }
                    if !claimed {
                        self.queues.entry(group).or_default().insert(id);
                    }
                }
                None => self.remove(id),
            }
        }
    }

    /// Groups with pickable calls.
    pub fn groups(&self) -> impl Iterator<Item = GroupNumber> + '_ {
        self.queues
            .iter()
            .filter(|(_, q)| !q.is_empty())
            .map(|(g, _)| *g)
    }

    /// Pickable (unclaimed) calls ringing in a group.
    pub fn pickable_in(&self, group: &GroupNumber) -> usize {
        self.queues.get(group).map_or(0, BTreeSet::len)
    }

    /// Every tracked call, oldest first.
    pub fn all(&self) -> Vec<&RingingCall> {
        let mut calls: Vec<&RingingCall> = self.calls.values().collect();
        calls.sort_by_key(|c| c.id);
        calls
    }

    pub fn len(&self) -> usize {
        self.calls.len()
    }

    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    pub fn leg_count(&self) -> usize {
        self.by_leg.len()
    }

    fn unqueue(&mut self, group: &GroupNumber, id: CallId) {
        if let Some(queue) = self.queues.get_mut(group) {
            queue.remove(&id);
            if queue.is_empty() {
                self.queues.remove(group);
            }
        }
    }

    fn remove(&mut self, id: CallId) {
        let Some(call) = self.calls.remove(&id) else {
            return;
        };
        for leg in &call.legs {
            self.by_leg.remove(&leg.uniqueid);
        }
        self.by_call.remove(&(call.user, call.linkedid));
        self.unqueue(&call.group, id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn g(s: &str) -> GroupNumber {
        s.parse().unwrap()
    }

    fn ring(index: &mut RingingIndex, uid: &str, user: &str, group: &str, linkedid: &str) -> bool {
        index.ring(
            RingingLeg {
                leg: Leg {
                    uniqueid: uid.to_string(),
                    name: format!("PJSIP/{user}-{uid}"),
                },
                user,
                group: g(group),
                linkedid,
                caller_number: "100",
                caller_name: "Caller",
            },
            Instant::now(),
        )
    }

    #[test]
    fn oldest_call_is_claimed_first_and_only_once() {
        let mut ix = RingingIndex::default();
        assert!(ring(&mut ix, "1", "alice", "*101", "c1"));
        assert!(ring(&mut ix, "2", "carol", "*101", "c2"));
        assert_eq!(ix.pickable_in(&g("*101")), 2);
        let first = ix.claim_oldest(&g("*101")).unwrap();
        assert_eq!(first.user, "alice");
        // A second picker never sees the claimed call.
        let second = ix.claim_oldest(&g("*101")).unwrap();
        assert_eq!(second.user, "carol");
        assert!(ix.claim_oldest(&g("*101")).is_none());
        ix.finish(first.id);
        ix.finish(second.id);
        assert!(ix.is_empty());
        assert_eq!(ix.leg_count(), 0);
    }

    #[test]
    fn simultaneous_ring_is_one_call() {
        let mut ix = RingingIndex::default();
        assert!(ring(&mut ix, "1", "alice", "*101", "c1"));
        assert!(!ring(&mut ix, "2", "alice", "*101", "c1"));
        assert!(!ring(&mut ix, "2", "alice", "*101", "c1"));
        assert_eq!(ix.len(), 1);
        assert_eq!(ix.pickable_in(&g("*101")), 1);
        let claim = ix.claim_oldest(&g("*101")).unwrap();
        assert_eq!(claim.legs.len(), 2);
        // One device stops ringing: the call is still there with one leg.
        ix.release(claim.id);
        assert_eq!(ix.stop("1"), Stopped::Leg);
        assert_eq!(ix.len(), 1);
        assert_eq!(ix.stop("2"), Stopped::Call(g("*101")));
        assert!(ix.is_empty());
        assert_eq!(ix.stop("2"), Stopped::Unknown);
    }

    #[test]
    fn groups_are_isolated() {
        let mut ix = RingingIndex::default();
        ring(&mut ix, "1", "alice", "*101", "c1");
        assert!(ix.claim_oldest(&g("*102")).is_none());
        assert!(ix.claim_oldest(&g("*101")).is_some());
    }

    #[test]
    fn release_restores_ring_order() {
        let mut ix = RingingIndex::default();
        ring(&mut ix, "1", "alice", "*101", "c1");
        ring(&mut ix, "2", "carol", "*101", "c2");
        let a = ix.claim_oldest(&g("*101")).unwrap();
        ix.release(a.id);
        assert_eq!(ix.claim_oldest(&g("*101")).unwrap().id, a.id);
    }

    #[test]
    fn leg_ending_while_claimed_removes_call() {
        let mut ix = RingingIndex::default();
        ring(&mut ix, "1", "alice", "*101", "c1");
        let a = ix.claim_oldest(&g("*101")).unwrap();
        ix.stop("1");
        assert!(ix.is_empty());
        ix.release(a.id);
        ix.finish(a.id);
        assert!(ix.is_empty());
        assert_eq!(ix.pickable_in(&g("*101")), 0);
    }

    #[test]
    fn claim_first_skips_ineligible_calls() {
        let mut ix = RingingIndex::default();
        ring(&mut ix, "1", "alice", "*101", "c1");
        ring(&mut ix, "2", "carol", "*101", "c2");
        let c = ix.claim_first(&g("*101"), |c| c.user == "carol").unwrap();
        assert_eq!(c.user, "carol");
        assert_eq!(ix.pickable_in(&g("*101")), 1);
    }

    #[test]
    fn regroup_moves_and_drops() {
        let mut ix = RingingIndex::default();
        ring(&mut ix, "1", "alice", "*101", "c1");
        ring(&mut ix, "2", "carol", "*101", "c2");
        ix.regroup(|user| (user == "alice").then(|| g("*102")));
        assert_eq!(ix.len(), 1);
        assert_eq!(ix.pickable_in(&g("*101")), 0);
        assert_eq!(ix.pickable_in(&g("*102")), 1);
        assert_eq!(ix.leg_count(), 1);
    }

    #[test]
    fn since_is_kept() {
        let mut ix = RingingIndex::default();
        let start = Instant::now();
        ring(&mut ix, "1", "alice", "*101", "c1");
        std::thread::sleep(Duration::from_millis(2));
        let claim = ix.claim_oldest(&g("*101")).unwrap();
        assert!(claim.since >= start && claim.since.elapsed() >= Duration::from_millis(2));
    }
}
