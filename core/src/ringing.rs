//! The in-memory ringing registry: per group, the pickable calls in the order
//! they first rang. A call is one caller ringing one user; the legs are that
//! call's channels towards the user's devices (several when the user's phones
//! ring simultaneously).
//!
//! Every operation is a hash lookup or an ordered-set operation on one group:
//! nothing here grows with the number of channels in the system.

use super::fasthash::{FastMap, FastState};
use super::hashed_ids::HashedIds;
pub use super::legs::LegRef;
use super::legs::Legs;
use super::number::GroupNumber;
use super::packed::Packed;
use super::queue::Queue;
use super::registry::{CallView, RingingRegistry};
use super::ring_time::RingTime;
use std::collections::hash_map::Entry;
use std::hash::BuildHasher;
use std::sync::Arc;

/// One leg of a call towards one device: the host's unique id of it, and
/// its name (what the host shows and finds it by).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leg {
    pub id: String,
    pub name: String,
}

/// A call's identity and ring order at once: the microsecond it first rang
/// (a [`RingTime`]), made unique by moving a tie one microsecond on.
pub type CallId = u64;

#[derive(Clone, Debug)]
pub struct RingingCall {
    pub id: CallId,
    pub group: GroupNumber,
    /// A picker holds this call right now; it is not offered to others.
    pub claimed: bool,
    /// Its user is in no group at the moment (cleared, or a reload took the
    /// group away): kept, unoffered, so it is pickable again, in its ring
    /// position, as soon as the user is in a group again.
    pub parked: bool,
    /// Shared with the configuration: no copy per call.
    user: Arc<str>,
    /// Call key, caller number, caller name.
    text: Packed<2>,
    legs: Legs,
}

impl RingingCall {
    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn rang_at(&self) -> RingTime {
        RingTime(self.id)
    }

    /// The host's key of the caller's call: the same for every leg of it.
    pub fn call_key(&self) -> &str {
        self.text.part(0)
    }

    pub fn caller_number(&self) -> &str {
        self.text.part(1)
    }

    pub fn caller_name(&self) -> &str {
        self.text.part(2)
    }

    /// The call's channels, in the order they started ringing.
    pub fn legs(&self) -> impl ExactSizeIterator<Item = LegRef<'_>> {
        self.legs.iter()
    }
}

/// A ringing leg as learnt from the host, already matched to a user.
#[derive(Clone, Debug)]
pub struct RingingLeg<'a> {
    /// The host's unique id of the leg.
    pub id: &'a str,
    pub name: &'a str,
    pub user: &'a Arc<str>,
    pub group: GroupNumber,
    /// The host's key of the caller's call (shared by all its legs).
    pub call: &'a str,
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
    pub rang_at: RingTime,
    /// Set when the call rings on another server of a cluster.
    pub elsewhere: Option<Elsewhere>,
}

/// A claimed call ringing on another server, and the single-use token that
/// server takes it with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Elsewhere {
    pub node: String,
    pub token: String,
}

/// What [`RingingIndex::stop`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// The leg was not tracked.
    Unknown,
    /// The leg went; its call still rings at another device.
    Leg,
    /// The leg was its call's last: the call (its group, its id) is gone.
    Call(GroupNumber, CallId),
}

/// `S` hashes the keys calls and legs are found by; tests put in one that
/// makes every key collide.
#[derive(Default, Debug)]
pub struct RingingIndex<S = FastState> {
    last_id: CallId,
    calls: FastMap<CallId, RingingCall>,
    /// By the hash of (user, call key).
    by_call: HashedIds,
    /// By the hash of the leg's id.
    by_leg: HashedIds,
    /// Pickable (unclaimed) calls per group, oldest first.
    queues: FastMap<GroupNumber, Queue>,
    keys: S,
}

impl RingingIndex {
    pub fn new() -> RingingIndex {
        RingingIndex::default()
    }
}

impl<S: BuildHasher> RingingIndex<S> {
    /// A call is one (user, call key), but only the call key is hashed:
    /// the user's name is then not read for a leg that starts a new call.
    /// A caller ringing several users gives calls with one key; they are
    /// told apart by their user.
    fn call_key(&self, call: &str) -> u64 {
        self.keys.hash_one(call)
    }

    fn leg_key(&self, leg: &str) -> u64 {
        self.keys.hash_one(leg)
    }

    fn call_of_leg(&self, key: u64, leg: &str) -> Option<CallId> {
        self.by_leg.find(key, |id| {
            self.calls.get(&id).is_some_and(|c| c.legs.contains(leg))
        })
    }

    /// Records that a leg rings. Returns true when this started a new call
    /// (the first leg of that caller towards that user).
    pub fn ring(&mut self, leg: RingingLeg<'_>, now: RingTime) -> bool {
        let leg_key = self.leg_key(leg.id);
        if let Some(id) = self.call_of_leg(leg_key, leg.id) {
            // A leg that rings again (a second 180) changes nothing.
            if let Some(call) = self.calls.get_mut(&id) {
                call.legs.rename(leg.id, leg.name);
            }
            return false;
        }
        let call_key = self.call_key(leg.call);
        let known = self.by_call.find(call_key, |id| {
            self.calls
                .get(&id)
                .is_some_and(|c| same_user(&c.user, leg.user) && c.call_key() == leg.call)
        });
        if let Some(call) = known.and_then(|id| self.calls.get_mut(&id)) {
            call.legs.push(leg.id, leg.name);
            self.by_leg.insert(leg_key, call.id);
            return false;
        }
        // Ring order is the ring time; two calls in one microsecond (or a
        // clock that stepped back) keep the order they came in.
        let id = now.as_micros().max(self.last_id + 1);
        self.last_id = id;
        self.by_leg.insert(leg_key, id);
        self.by_call.insert(call_key, id);
        self.enqueue(leg.group, id);
        self.calls.insert(
            id,
            RingingCall {
                id,
                group: leg.group,
                claimed: false,
                parked: false,
                user: leg.user.clone(),
                text: Packed::new(&[leg.call, leg.caller_number, leg.caller_name]),
                legs: Legs::new(leg.id, leg.name),
            },
        );
        true
    }

    /// Records that a leg stopped ringing (answered, cancelled, hung up,
    /// picked up). The call goes when its last leg goes.
    pub fn stop(&mut self, leg: &str) -> Stopped {
        let key = self.leg_key(leg);
        let Some(id) = self.call_of_leg(key, leg) else {
            return Stopped::Unknown;
        };
        self.by_leg.remove(key, id);
        let Some(call) = self.calls.get_mut(&id) else {
            return Stopped::Unknown;
        };
        if call.legs.remove(leg) {
            return Stopped::Leg;
        }
        let group = call.group;
        self.remove(id);
        Stopped::Call(group, id)
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
        let id = self
            .queues
            .get(group)?
            .iter()
            .find(|id| self.calls.get(id).is_some_and(&eligible))?;
        self.unqueue(group, id);
        let call = self.calls.get_mut(&id)?;
        call.claimed = true;
        Some(claim_of(call))
    }

    /// Claims one call by its id (the shared registry chose it), if it is
    /// still here and pickable.
    pub fn claim_call(&mut self, id: CallId) -> Option<Claim> {
        let call = self.calls.get(&id)?;
        if call.claimed || call.parked {
            return None;
        }
        let group = call.group;
        self.unqueue(&group, id);
        let call = self.calls.get_mut(&id)?;
        call.claimed = true;
        Some(claim_of(call))
    }

    /// One call as views show it.
    pub fn view(&self, id: CallId) -> Option<CallView> {
        self.calls.get(&id).map(view_of)
    }

    /// The call a leg belongs to.
    pub fn call_of(&self, leg: &str) -> Option<CallId> {
        self.call_of_leg(self.leg_key(leg), leg)
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
                let (group, parked) = (call.group, call.parked);
                if !parked {
                    self.enqueue(group, id);
                }
            }
        }
    }

    /// Moves every call to the group `group_of` gives for its user (after a
    /// reload or a re-assignment). The call of a user left in no group is
    /// parked, not forgotten: it keeps ringing at the user, and is offered
    /// again, oldest first as before, once the user is in a group again.
    pub fn regroup(&mut self, group_of: impl Fn(&str) -> Option<GroupNumber>) {
        let ids: Vec<CallId> = self.calls.keys().copied().collect();
        for id in ids {
            let (old, parked, new, claimed) = {
                let call = &self.calls[&id];
                (call.group, call.parked, group_of(&call.user), call.claimed)
            };
            if !parked {
                self.unqueue(&old, id);
            }
            let Some(call) = self.calls.get_mut(&id) else {
                continue;
            };
            call.parked = new.is_none();
            if let Some(group) = new {
                call.group = group;
                if !claimed {
                    self.enqueue(group, id);
                }
            }
        }
    }

    /// Groups with pickable calls.
    pub fn groups(&self) -> impl Iterator<Item = GroupNumber> + '_ {
        self.queues.keys().copied()
    }

    /// Pickable (unclaimed) calls ringing in a group.
    pub fn pickable_in(&self, group: &GroupNumber) -> usize {
        self.queues.get(group).map_or(0, Queue::len)
    }

    /// Every tracked call, oldest first (parked ones too).
    pub fn all(&self) -> Vec<&RingingCall> {
        let mut calls: Vec<&RingingCall> = self.calls.values().collect();
        calls.sort_by_key(|c| c.id);
        calls
    }

    /// The calls ringing in a group now, claimed or not, oldest first.
    pub fn snapshot(&self) -> Vec<CallView> {
        self.all()
            .into_iter()
            .filter(|c| !c.parked)
            .map(view_of)
            .collect()
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

    fn enqueue(&mut self, group: GroupNumber, id: CallId) {
        match self.queues.entry(group) {
            Entry::Vacant(slot) => {
                slot.insert(Queue::One(id));
            }
            Entry::Occupied(mut queue) => queue.get_mut().insert(id),
        }
    }

    fn unqueue(&mut self, group: &GroupNumber, id: CallId) {
        if let Some(queue) = self.queues.get_mut(group) {
            if !queue.remove(id) {
                self.queues.remove(group);
            }
        }
    }

    fn remove(&mut self, id: CallId) {
        let Some(call) = self.calls.remove(&id) else {
            return;
        };
        for leg in call.legs() {
            let key = self.leg_key(leg.id);
            self.by_leg.remove(key, id);
        }
        let key = self.call_key(call.call_key());
        self.by_call.remove(key, id);
        if !call.parked {
            self.unqueue(&call.group, id);
        }
    }
}

impl<S: BuildHasher + Send> RingingRegistry for RingingIndex<S> {
    fn ring(&mut self, leg: RingingLeg<'_>, now: RingTime) -> bool {
        RingingIndex::ring(self, leg, now)
    }

    fn stop(&mut self, leg: &str) -> Stopped {
        RingingIndex::stop(self, leg)
    }

    fn claim_oldest(&mut self, group: &GroupNumber) -> Option<Claim> {
        RingingIndex::claim_oldest(self, group)
    }

    fn finish(&mut self, id: CallId) {
        RingingIndex::finish(self, id)
    }

    fn release(&mut self, id: CallId) {
        RingingIndex::release(self, id)
    }

    fn regroup(&mut self, group_of: &dyn Fn(&str) -> Option<GroupNumber>) {
        RingingIndex::regroup(self, group_of)
    }

    fn count(&self, group: &GroupNumber) -> usize {
        self.pickable_in(group)
    }

    fn groups(&self) -> Vec<GroupNumber> {
        RingingIndex::groups(self).collect()
    }

    fn snapshot(&self) -> Vec<CallView> {
        RingingIndex::snapshot(self)
    }

    fn claim_call(&mut self, id: CallId) -> Option<Claim> {
        RingingIndex::claim_call(self, id)
    }

    fn view(&self, id: CallId) -> Option<CallView> {
        RingingIndex::view(self, id)
    }

    fn call_of(&self, leg: &str) -> Option<CallId> {
        RingingIndex::call_of(self, leg)
    }
}

fn claim_of(call: &RingingCall) -> Claim {
    Claim {
        id: call.id,
        group: call.group,
        user: call.user().to_string(),
        caller_number: call.caller_number().to_string(),
        caller_name: call.caller_name().to_string(),
        legs: call.legs().map(LegRef::to_leg).collect(),
        rang_at: call.rang_at(),
        elsewhere: None,
    }
}

fn view_of(c: &RingingCall) -> CallView {
    CallView {
        id: c.id,
        group: c.group,
        user: c.user().to_string(),
        caller_number: c.caller_number().to_string(),
        caller_name: c.caller_name().to_string(),
        rang_at: c.rang_at(),
        claimed: c.claimed,
        legs: c.legs().map(LegRef::to_leg).collect(),
        node: None,
    }
}

/// Usually the very name the configuration holds; after a reload, an equal
/// one.
fn same_user(a: &Arc<str>, b: &Arc<str>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn g(s: &str) -> GroupNumber {
        s.parse().unwrap()
    }

    fn ring<S: BuildHasher>(
        index: &mut RingingIndex<S>,
        uid: &str,
        user: &str,
        group: &str,
        call: &str,
    ) -> bool {
        index.ring(
            RingingLeg {
                id: uid,
                name: &format!("PJSIP/{user}-{uid}"),
                user: &Arc::from(user),
                group: g(group),
                call,
                caller_number: "100",
                caller_name: "Caller",
            },
            RingTime::now(),
        )
    }

    #[test]
    fn oldest_call_is_claimed_first_and_only_once() {
        let mut ix = RingingIndex::new();
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
        let mut ix = RingingIndex::new();
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
        assert!(matches!(ix.stop("2"), Stopped::Call(group, _) if group == g("*101")));
        assert!(ix.is_empty());
        assert_eq!(ix.stop("2"), Stopped::Unknown);
    }

    #[test]
    fn groups_are_isolated() {
        let mut ix = RingingIndex::new();
        ring(&mut ix, "1", "alice", "*101", "c1");
        assert!(ix.claim_oldest(&g("*102")).is_none());
        assert!(ix.claim_oldest(&g("*101")).is_some());
    }

    #[test]
    fn release_restores_ring_order() {
        let mut ix = RingingIndex::new();
        ring(&mut ix, "1", "alice", "*101", "c1");
        ring(&mut ix, "2", "carol", "*101", "c2");
        let a = ix.claim_oldest(&g("*101")).unwrap();
        ix.release(a.id);
        assert_eq!(ix.claim_oldest(&g("*101")).unwrap().id, a.id);
    }

    #[test]
    fn leg_ending_while_claimed_removes_call() {
        let mut ix = RingingIndex::new();
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
        let mut ix = RingingIndex::new();
        ring(&mut ix, "1", "alice", "*101", "c1");
        ring(&mut ix, "2", "carol", "*101", "c2");
        let c = ix.claim_first(&g("*101"), |c| c.user() == "carol").unwrap();
        assert_eq!(c.user, "carol");
        assert_eq!(ix.pickable_in(&g("*101")), 1);
    }

    #[test]
    fn regroup_moves_and_parks() {
        let mut ix = RingingIndex::new();
        ring(&mut ix, "1", "alice", "*101", "c1");
        ring(&mut ix, "2", "carol", "*101", "c2");
        ix.regroup(|user| (user == "alice").then(|| g("*102")));
        assert_eq!(ix.len(), 2);
        assert_eq!(ix.pickable_in(&g("*101")), 0);
        assert_eq!(ix.pickable_in(&g("*102")), 1);
        assert_eq!(ix.leg_count(), 2);
    }

    #[test]
    fn ring_time_is_kept_and_orders_calls() {
        let mut ix = RingingIndex::new();
        let start = RingTime::now();
        ring(&mut ix, "1", "alice", "*101", "c1");
        std::thread::sleep(Duration::from_millis(2));
        let claim = ix.claim_oldest(&g("*101")).unwrap();
        assert!(claim.rang_at >= start);
        assert!(claim.rang_at.elapsed_at(RingTime::now()) >= Duration::from_millis(2));
        // Calls in the same microsecond, or after the clock stepped back,
        // keep the order they rang in.
        let carol: Arc<str> = Arc::from("carol");
        let leg = |id: &'static str, call: &'static str| RingingLeg {
            id,
            name: id,
            user: &carol,
            group: g("*102"),
            call,
            caller_number: "",
            caller_name: "",
        };
        let t = RingTime(1_000);
        ix.ring(leg("a", "ca"), t);
        ix.ring(leg("b", "cb"), t);
        ix.ring(leg("c", "cc"), RingTime(10));
        let order: Vec<String> = std::iter::from_fn(|| ix.claim_oldest(&g("*102")))
            .map(|c| c.legs[0].id.clone())
            .collect();
        assert_eq!(order, ["a", "b", "c"]);
    }

    #[test]
    fn a_user_out_of_every_group_keeps_its_calls_parked() {
        let mut ix = RingingIndex::new();
        ring(&mut ix, "1", "alice", "*101", "c1");
        ring(&mut ix, "2", "carol", "*101", "c2");
        ring(&mut ix, "3", "alice", "*101", "c3");
        ix.regroup(|user| (user != "alice").then(|| g("*101")));
        assert_eq!(ix.pickable_in(&g("*101")), 1);
        assert_eq!(ix.snapshot().len(), 1, "parked calls are not shown");
        // A parked call that stops ringing is forgotten as any other.
        assert!(matches!(ix.stop("3"), Stopped::Call(group, _) if group == g("*101")));
        ix.regroup(|_| Some(g("*105")));
        let first = ix.claim_oldest(&g("*105")).unwrap();
        assert_eq!(first.user, "alice", "alice's call rang first");
        assert_eq!(ix.claim_oldest(&g("*105")).unwrap().user, "carol");
        // Parked while claimed: a release does not offer it.
        ix.regroup(|_| None);
        ix.release(first.id);
        assert_eq!(ix.pickable_in(&g("*105")), 0);
        ix.regroup(|_| Some(g("*105")));
        assert_eq!(ix.pickable_in(&g("*105")), 1);
    }

    /// Every key hashes alike, so every lookup has to tell calls apart by
    /// their own strings.
    #[derive(Default)]
    struct Colliding;

    impl BuildHasher for Colliding {
        type Hasher = Constant;
        fn build_hasher(&self) -> Constant {
            Constant
        }
    }

    struct Constant;

    impl std::hash::Hasher for Constant {
        fn write(&mut self, _: &[u8]) {}
        fn finish(&self) -> u64 {
            42
        }
    }

    #[test]
    fn colliding_keys_change_nothing() {
        fn run<S: BuildHasher>(ix: &mut RingingIndex<S>) -> Vec<String> {
            let mut seen = Vec::new();
            for (i, user) in ["alice", "carol", "alice", "dave"].iter().enumerate() {
                for leg in 0..3 {
                    let uid = format!("{i}.{leg}");
                    let rang = ring(ix, &uid, user, "*101", &format!("c{}", i % 2));
                    seen.push(format!("ring {uid} {rang}"));
                }
            }
            // Ring one leg again, and end legs in a different order.
            seen.push(format!("again {}", ring(ix, "1.1", "carol", "*101", "c1")));
            for uid in ["0.1", "2.2", "9.9", "0.0", "0.2", "1.0"] {
                seen.push(format!("stop {uid} {:?}", ix.stop(uid)));
            }
            while let Some(c) = ix.claim_oldest(&g("*101")) {
                let legs: Vec<&str> = c.legs.iter().map(|l| l.id.as_str()).collect();
                seen.push(format!("claim {} {legs:?}", c.user));
                ix.finish(c.id);
            }
            seen.push(format!("left {} {}", ix.len(), ix.leg_count()));
            seen
        }
        let plain = run(&mut RingingIndex::<FastState>::default());
        let colliding = run(&mut RingingIndex::<Colliding>::default());
        assert_eq!(plain, colliding);
        assert_eq!(plain.last().unwrap(), "left 0 0");
    }
}
