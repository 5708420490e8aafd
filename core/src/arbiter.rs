//! Pickup arbitration: the one place that turns what the host reports (legs
//! ringing and stopping) and what pickers ask for (a dialed group number)
//! into decisions. It owns the configuration in force and the ringing
//! registry; it never calls the host, it answers (the pickup procedure in
//! [`pickup`](super::pickup) reaches the host only through its trait).

use super::assignments::{Assignments, Persist};
use super::config::{Config, PickupBy, User};
use super::ended::EndedLegs;
use super::number::GroupNumber;
use super::registry::{CallView, RingingRegistry};
use super::ring_time::RingTime;
use super::ringing::{CallId, Claim, Elsewhere, RingingIndex, RingingLeg, Stopped};
use super::shared::{SharedClaim, SharedRegistry};
use super::stats::{Failure, Stats};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// Who created a ringing leg, as far as pickup rules care.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Origin {
    /// An ordinary dial to a user (Asterisk's Dial(), FreeSWITCH's bridge).
    Dial,
    /// A queue or response group: pickable only when the configuration
    /// allows (`exclude_queue_calls = no`).
    Queue,
    /// Anything else (originated calls, ...): never pickable.
    #[default]
    Other,
}

/// A leg's state change, in the host's terms already turned into neutral
/// ones by the adapter.
#[derive(Clone, Debug, Default)]
pub struct LegEvent<'a> {
    /// The host's unique id of the leg.
    pub leg: &'a str,
    /// The leg's name: what views show and the host finds it by.
    pub name: &'a str,
    /// The key of the device the leg goes to (see [`device_key`](super::device::device_key));
    /// empty when it goes to no device (a local channel, say).
    pub device: &'a str,
    /// The host's key of the caller's call: the same on all its legs.
    pub call: &'a str,
    pub caller_number: &'a str,
    pub caller_name: &'a str,
    pub origin: Origin,
    /// The number the caller dialed.
    pub dialed: &'a str,
    /// The leg is ringing (the device sent 180) and not hung up.
    pub ringing: bool,
}

/// What an event changed, for the adapter to act on (device state, logs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LegChange {
    /// The leg is of no interest (not towards a grouped user's device, or
    /// excluded, or nothing changed).
    Ignored,
    /// A new pickable call rings in the group.
    CallRinging(GroupNumber),
    /// Another device of an already ringing call rings too.
    LegAdded(GroupNumber),
    /// A tracked leg stopped ringing; `Some` when that ended its call.
    LegStopped(Option<GroupNumber>),
}

/// Who is trying to pick up.
#[derive(Clone, Debug, Default)]
pub struct Picker {
    /// The picker's own leg, as logs and events name it.
    pub name: String,
    /// The key of the device the picker dials from, if it is one: it tells
    /// the picker's user, whom `pickup_by` asks about.
    pub device: Option<String>,
}

/// The decision maker: configuration in force, ringing registry, lamps and
/// statistics.
pub struct Arbiter<R: RingingRegistry = RingingIndex> {
    /// The configuration in force: the file's, with the runtime assignments.
    config: RwLock<Arc<Config>>,
    /// What the configuration in force is made of; changed one at a time.
    sources: Mutex<Sources>,
    index: Mutex<Tracked<R>>,
    /// Groups whose lamp (device state) was last published as ringing.
    lamps: Mutex<HashSet<GroupNumber>>,
    /// The registry shared with other servers, in a cluster.
    shared: RwLock<Option<Arc<dyn SharedRegistry>>>,
    pub stats: Stats,
}

/// The ringing calls, and the configuration they are grouped by: a reload
/// changes both under the one lock, and a leg is filed under it without
/// taking the configuration's lock or a reference count on the way.
struct Tracked<R> {
    calls: R,
    config: Arc<Config>,
    /// Legs that stopped ringing or were picked up: a late report of their
    /// ring is ignored.
    ended: EndedLegs,
}

struct Sources {
    file: Arc<Config>,
    assignments: Assignments,
}

/// Locks survive a panic elsewhere: the data they guard is kept consistent by
/// every method before it can panic, so poisoning carries no information.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Arbiter<RingingIndex> {
    /// An arbiter over the in-memory registry of this server alone.
    pub fn new(config: Config) -> Arbiter {
        Arbiter::with_registry(config, RingingIndex::default())
    }
}

impl<R: RingingRegistry> Arbiter<R> {
    pub fn with_registry(config: Config, calls: R) -> Arbiter<R> {
        let config = Arc::new(config);
        Arbiter {
            config: RwLock::new(config.clone()),
            index: Mutex::new(Tracked {
                calls,
                config: config.clone(),
                ended: EndedLegs::default(),
            }),
            sources: Mutex::new(Sources {
                file: config,
                assignments: Assignments::default(),
            }),
            lamps: Mutex::new(HashSet::new()),
            shared: RwLock::new(None),
            stats: Stats::default(),
        }
    }

    /// Joins (or, with `None`, leaves) a registry shared with other
    /// servers; this server's calls ringing now are published there.
    pub fn set_shared(&self, shared: Option<Arc<dyn SharedRegistry>>) {
        if let Some(shared) = &shared {
            for call in self.snapshot_here().iter().filter(|c| !c.claimed) {
                shared.publish(call);
            }
        }
        *self.shared.write().unwrap_or_else(|e| e.into_inner()) = shared;
    }

    fn shared(&self) -> Option<Arc<dyn SharedRegistry>> {
        self.shared
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn config(&self) -> Arc<Config> {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Puts a new configuration file in force atomically, with the runtime
    /// assignments on top. Returns the assignments it no longer allows.
    pub fn replace_config(&self, file: Config) -> Vec<String> {
        let mut sources = lock(&self.sources);
        sources.file = Arc::new(file);
        self.apply(&sources)
    }

    /// Replaces the runtime assignments (read from the host's store).
    pub fn replace_assignments(&self, assignments: Assignments) -> Vec<String> {
        let mut sources = lock(&self.sources);
        sources.assignments = assignments;
        self.apply(&sources)
    }

    /// Puts the file with the assignments on top in force. Without runtime
    /// assignments the file's configuration is used as it is, not copied (a
    /// configuration of 100,000 users is a hundred megabytes).
    fn apply(&self, sources: &Sources) -> Vec<String> {
        if sources.assignments.is_empty() {
            self.swap(sources.file.clone());
            return Vec::new();
        }
        let (config, problems) = sources.assignments.apply(&sources.file);
        self.swap(Arc::new(config));
        problems
    }

    /// `set user <user> group <number>`: in force at once; the caller stores
    /// the returned change.
    pub fn set_user(&self, user: &str, group: &str) -> Result<Persist, String> {
        self.change_assignment(|a, file| a.set(file, user, group))
    }

    /// `clear user <user>`: the user leaves its group at once.
    pub fn clear_user(&self, user: &str) -> Result<Persist, String> {
        self.change_assignment(|a, file| a.clear(file, user))
    }

    /// `reset user <user>`: the file's `group =` is in force again at once.
    pub fn reset_user(&self, user: &str) -> Result<Persist, String> {
        self.change_assignment(|a, file| a.reset(file, user))
    }

    /// A reload: a new file and the assignments read again from the host's
    /// store, put in force together. Returns the assignments the file does
    /// not allow.
    pub fn replace_sources(&self, file: Config, assignments: Assignments) -> Vec<String> {
        let mut sources = lock(&self.sources);
        sources.file = Arc::new(file);
        sources.assignments = assignments;
        self.apply(&sources)
    }

    fn change_assignment(
        &self,
        change: impl FnOnce(&mut Assignments, &Config) -> Result<Persist, String>,
    ) -> Result<Persist, String> {
        let mut sources = lock(&self.sources);
        let file = sources.file.clone();
        let persist = change(&mut sources.assignments, &file)?;
        self.apply(&sources);
        Ok(persist)
    }

    /// Ringing calls follow their user to the user's new group; those of a
    /// user left in no group wait, unoffered, until it is in one again.
    fn swap(&self, config: Arc<Config>) {
        let mut tracked = lock(&self.index);
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = config.clone();
        let shared = self.shared();
        let before: Vec<CallView> = match &shared {
            Some(_) => tracked.calls.snapshot(),
            None => Vec::new(),
        };
        tracked
            .calls
            .regroup(&|user| config.users.get(user).and_then(|u| u.group));
        tracked.config = config;
        if let Some(shared) = shared {
            // Moved calls are published in their new group; parked ones
            // (their user in no group) leave the shared registry.
            let after = tracked.calls.snapshot();
            for call in &before {
                match after.iter().find(|c| c.id == call.id) {
                    Some(now) if now.group != call.group && !now.claimed => shared.publish(now),
                    Some(_) => {}
                    None => shared.withdraw(call.id),
                }
            }
            for call in after.iter().filter(|c| !c.claimed) {
                if !before.iter().any(|b| b.id == call.id) {
                    shared.publish(call);
                }
            }
        }
    }

    /// Publishes the lamp (device state) of each group whose state differs
    /// from what was last published: `publish(group, ringing)`. Runs under
    /// its own lock, so two threads never publish one group's states out of
    /// order.
    pub fn update_lamps(
        &self,
        groups: impl IntoIterator<Item = GroupNumber>,
        mut publish: impl FnMut(&GroupNumber, bool),
    ) {
        let mut lamps = lock(&self.lamps);
        for group in groups {
            let ringing = self.ringing_in(&group) > 0;
            let lit = lamps.contains(&group);
            if ringing != lit {
                if ringing {
                    lamps.insert(group);
                } else {
                    lamps.remove(&group);
                }
                publish(&group, ringing);
            }
        }
    }

    /// Turns every lit lamp off (at unload: a state cached by the host must
    /// not stay ringing after the module is gone).
    pub fn lamps_off(&self, mut publish: impl FnMut(&GroupNumber, bool)) {
        for group in lock(&self.lamps).drain() {
            publish(&group, false);
        }
    }

    /// Every group whose lamp may have to change after the configuration
    /// changed: those lit now and those with calls.
    pub fn lamp_groups(&self) -> Vec<GroupNumber> {
        let mut groups: Vec<GroupNumber> = lock(&self.lamps).iter().copied().collect();
        groups.extend(lock(&self.index).calls.groups());
        groups.sort();
        groups.dedup();
        groups
    }

    /// One consistent copy of every call ringing now, on this server and
    /// (in a cluster) on the others, oldest first: what views read.
    pub fn snapshot(&self) -> Vec<CallView> {
        let mut calls = self.snapshot_here();
        if let Some(shared) = self.shared() {
            calls.extend(shared.remote_calls());
            calls.sort_by_key(|c| c.rang_at);
        }
        calls
    }

    /// The calls ringing on this server alone.
    pub fn snapshot_here(&self) -> Vec<CallView> {
        lock(&self.index).calls.snapshot()
    }

    /// Whether this server is part of a cluster.
    pub fn clustered(&self) -> bool {
        self.shared().is_some()
    }

    /// This server's name in its cluster, if it is in one.
    pub fn node(&self) -> Option<String> {
        self.shared().map(|s| s.node())
    }

    /// Reads the registry itself under its lock, for checks of its inner
    /// state (model tests, fuzzing); views use [`snapshot`](Self::snapshot).
    pub fn inspect<T>(&self, f: impl FnOnce(&R) -> T) -> T {
        f(&lock(&self.index).calls)
    }

    /// Whether a ringing leg towards this device could be pickable at all:
    /// it belongs to a user in a group. Lets the adapter skip every costly
    /// question for all other legs.
    pub fn may_track(&self, device: &str) -> bool {
        grouped_user(&self.config(), device).is_some()
    }

    /// A leg started or stopped ringing. `excluded` asks the host whether
    /// the caller marked the call as never pickable (Asterisk's
    /// GROUPPICKUP_EXCLUDE); it is called at most once, only for a ringing
    /// leg towards a grouped user's device that no other rule excludes, and
    /// never under the registry's lock.
    pub fn on_leg(
        &self,
        event: &LegEvent<'_>,
        now: RingTime,
        excluded: impl FnOnce() -> bool,
    ) -> LegChange {
        if event.ringing {
            let config = self.config();
            let Some((user, _)) = grouped_user(&config, event.device) else {
                return LegChange::Ignored;
            };
            if !pickable(&config, event, user) || excluded() {
                return LegChange::Ignored;
            }
        }
        // The registry's lock first, and the configuration read again under
        // it: a reload swaps the configuration and regroups the calls under
        // the same lock, so a leg is always filed by the configuration the
        // registry is grouped by (never in a user's old group after a
        // reload).
        let mut tracked = lock(&self.index);
        let Tracked {
            calls,
            config,
            ended,
        } = &mut *tracked;
        if !event.ringing {
            ended.insert(event.leg);
            return match calls.stop(event.leg) {
                Stopped::Unknown => LegChange::Ignored,
                Stopped::Leg => LegChange::LegStopped(None),
                Stopped::Call(group, id) => {
                    if let Some(shared) = self.shared() {
                        shared.withdraw(id);
                    }
                    LegChange::LegStopped(Some(group))
                }
            };
        }
        if ended.contains(event.leg) {
            return LegChange::Ignored;
        }
        let Some((user, group)) = grouped_user(config, event.device) else {
            return LegChange::Ignored;
        };
        if !pickable(config, event, user) {
            return LegChange::Ignored;
        }
        let ringing = RingingLeg {
            id: event.leg,
            name: event.name,
            user: &user.name,
            group,
            call: event.call,
            caller_number: event.caller_number,
            caller_name: event.caller_name,
        };
        if calls.ring(ringing, now) {
            self.stats.call_tracked();
            if let Some(shared) = self.shared() {
                if let Some(call) = calls.call_of(event.leg).and_then(|id| calls.view(id)) {
                    shared.publish(&call);
                }
            }
            LegChange::CallRinging(group)
        } else {
            LegChange::LegAdded(group)
        }
    }

    /// A picker dialed `dialed`: resolve it, apply the group's policy and
    /// claim the call that has rung longest. The claim is exclusive until
    /// [`picked`](Self::picked), [`unavailable`](Self::unavailable) or
    /// [`release`](Self::release).
    pub fn begin(&self, dialed: &str, picker: &Picker) -> Result<Claim, Failure> {
        let group = self.admit(dialed, picker)?;
        self.next(&group)
    }

    /// The group a picker dialed, if it is one and the picker may pick up
    /// there.
    pub fn admit(&self, dialed: &str, picker: &Picker) -> Result<GroupNumber, Failure> {
        let config = self.config();
        let Some(group) = config.resolve(dialed.trim()) else {
            self.stats.failed(None, Failure::Invalid);
            return Err(Failure::Invalid);
        };
        if !may_pick(&config, &group, picker) {
            self.stats.failed(Some(group), Failure::Denied);
            return Err(Failure::Denied);
        }
        Ok(group)
    }

    /// The next call of the group to try: the oldest on any server of the
    /// cluster (this server's alone when the shared registry does not
    /// answer in time, or there is none).
    pub fn next(&self, group: &GroupNumber) -> Result<Claim, Failure> {
        if let Some(shared) = self.shared() {
            while let Ok(found) = shared.claim(group) {
                match found {
                    SharedClaim::Nothing => {
                        self.stats.failed(Some(*group), Failure::NoCall);
                        return Err(Failure::NoCall);
                    }
                    SharedClaim::Here(id) => match lock(&self.index).calls.claim_call(id) {
                        Some(claim) => return Ok(claim),
                        // Gone here a moment ago: no longer offered.
                        None => shared.withdraw(id),
                    },
                    SharedClaim::There { call, token } => {
                        return Ok(Claim {
                            id: call.id,
                            group: call.group,
                            user: call.user,
                            caller_number: call.caller_number,
                            caller_name: call.caller_name,
                            legs: call.legs,
                            rang_at: call.rang_at,
                            elsewhere: Some(Elsewhere {
                                node: call.node.unwrap_or_default(),
                                token,
                            }),
                        })
                    }
                }
            }
        }
        match lock(&self.index).calls.claim_oldest(group) {
            Some(claim) => Ok(claim),
            None => {
                self.stats.failed(Some(*group), Failure::NoCall);
                Err(Failure::NoCall)
            }
        }
    }

    /// Claims a call of this server by its id: another server's picker
    /// brought a token for it.
    pub fn claim_here(&self, id: CallId) -> Result<Claim, Failure> {
        lock(&self.index).calls.claim_call(id).ok_or_else(|| {
            self.stats.failed(None, Failure::NoCall);
            Failure::NoCall
        })
    }

    pub fn picked(&self, claim: &Claim) {
        self.forget(claim);
        self.stats
            .picked(claim.group, claim.rang_at.elapsed_at(RingTime::now()));
    }

    /// None of the claimed call's legs could be picked up any more (answered
    /// or hung up a moment ago): forget it.
    pub fn unavailable(&self, claim: &Claim) {
        self.forget(claim);
    }

    /// A call ringing on another server is forgotten by that server.
    fn forget(&self, claim: &Claim) {
        if claim.elsewhere.is_some() {
            return;
        }
        let mut tracked = lock(&self.index);
        // Every leg of the call ends with it, also one that started ringing
        // after the claim.
        let legs = tracked.calls.view(claim.id).map(|c| c.legs);
        for leg in legs.iter().flatten().chain(&claim.legs) {
            tracked.ended.insert(&leg.id);
        }
        tracked.calls.finish(claim.id);
        drop(tracked);
        if let Some(shared) = self.shared() {
            shared.withdraw(claim.id);
        }
    }

    /// Gives a claim back without counting a failure: the call of another
    /// server did not come through, and may still ring there.
    pub fn give_back(&self, claim: &Claim) {
        self.hand_back(claim);
    }

    /// The picker's own side failed; the call stays pickable for others.
    pub fn release(&self, claim: &Claim, failure: Failure) {
        self.hand_back(claim);
        self.stats.failed(Some(claim.group), failure);
    }

    fn hand_back(&self, claim: &Claim) {
        match (&claim.elsewhere, self.shared()) {
            (Some(elsewhere), Some(shared)) => shared.release_there(&CallView {
                id: claim.id,
                group: claim.group,
                user: claim.user.clone(),
                caller_number: claim.caller_number.clone(),
                caller_name: claim.caller_name.clone(),
                rang_at: claim.rang_at,
                claimed: true,
                legs: claim.legs.clone(),
                node: Some(elsewhere.node.clone()),
            }),
            (Some(_), None) => {}
            (None, shared) => {
                lock(&self.index).calls.release(claim.id);
                if let Some(shared) = shared {
                    shared.release_here(claim.id, claim.group);
                }
            }
        }
    }

    /// Pickable calls ringing in a group now, on every server.
    pub fn ringing_in(&self, group: &GroupNumber) -> usize {
        let here = lock(&self.index).calls.count(group);
        here + self.shared().map_or(0, |s| s.remote_count(group))
    }
}

/// The user in a group a device belongs to, if any.
fn grouped_user<'c>(config: &'c Config, device: &str) -> Option<(&'c User, GroupNumber)> {
    let user = config.user_of_device(device)?;
    Some((user, user.group?))
}

/// The rules that make a ringing leg never pickable, short of the host's
/// own exclusion mark.
fn pickable(config: &Config, event: &LegEvent<'_>, user: &User) -> bool {
    let dialed_by = match event.origin {
        Origin::Dial => true,
        Origin::Queue => !config.general.exclude_queue_calls,
        Origin::Other => false,
    };
    dialed_by
        && !user.private_lines.iter().any(|l| l == event.dialed)
        && !user
            .personal_contacts
            .iter()
            .any(|c| c == event.caller_number)
}

fn may_pick(config: &Config, group: &GroupNumber, picker: &Picker) -> bool {
    let policy = config
        .groups
        .get(group)
        .map_or(&PickupBy::Anyone, |g| &g.pickup_by);
    let picker_user = || {
        picker
            .device
            .as_deref()
            .and_then(|d| config.user_of_device(d))
    };
    match policy {
        PickupBy::Anyone => true,
        PickupBy::Members => picker_user().is_some_and(|u| u.group.as_ref() == Some(group)),
        PickupBy::Users(users) => {
            picker_user().is_some_and(|u| users.iter().any(|n| **n == *u.name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::sections_from_text;
    use crate::test_support::dialed_leg;

    const CONF: &str = "\
[r]
type = range
start = *100
end = *199
[*102]
type = group
pickup_by = members
[alice]
type = user
endpoint = PJSIP/alice, PJSIP/alice-desk
group = *101
private_lines = 4255550100
personal_contacts = 555
[carol]
type = user
endpoint = PJSIP/carol
group = *102
[bob]
type = user
endpoint = PJSIP/bob
";

    fn registry() -> Arbiter {
        Arbiter::new(Config::from_sections(&sections_from_text("t.conf", CONF)).unwrap())
    }

    fn leg<'a>(uid: &'a str, name: &'a str) -> LegEvent<'a> {
        LegEvent {
            call: "L1",
            caller_number: "100",
            caller_name: "Caller",
            dialed: "2001",
            ..dialed_leg(uid, name)
        }
    }

    fn picker(name: &str) -> Picker {
        Picker {
            name: name.to_string(),
            device: Some(crate::test_support::device_of(name).to_string())
                .filter(|d| !d.is_empty()),
        }
    }

    fn now() -> RingTime {
        RingTime::now()
    }

    #[test]
    fn ring_pick_and_forget() {
        let r = registry();
        let g: GroupNumber = "*101".parse().unwrap();
        assert_eq!(
            r.on_leg(&leg("u1", "PJSIP/alice-00000001"), now(), || false),
            LegChange::CallRinging(g)
        );
        assert_eq!(r.ringing_in(&g), 1);
        let claim = r.begin("*101", &picker("PJSIP/bob-00000002")).unwrap();
        assert_eq!(claim.legs[0].name, "PJSIP/alice-00000001");
        assert_eq!(
            r.begin("*101", &picker("PJSIP/carol-3")),
            Err(Failure::NoCall)
        );
        r.picked(&claim);
        assert_eq!(r.stats.snapshot().pickups, 1);
        let stopped = LegEvent {
            ringing: false,
            ..leg("u1", "PJSIP/alice-00000001")
        };
        assert_eq!(r.on_leg(&stopped, now(), || false), LegChange::Ignored);
    }

    #[test]
    fn only_legs_of_grouped_users_may_be_tracked() {
        let r = registry();
        assert!(r.may_track("PJSIP/alice"));
        assert!(r.may_track("pjsip/alice-desk"));
        assert!(!r.may_track("PJSIP/bob"), "bob has no group");
        assert!(!r.may_track("PJSIP/dave"), "nobody's device");
        assert!(!r.may_track(""));
    }

    #[test]
    fn unknown_numbers_and_devices() {
        let r = registry();
        assert_eq!(r.begin("*300", &picker("x")), Err(Failure::Invalid));
        assert_eq!(r.begin("", &picker("x")), Err(Failure::Invalid));
        assert_eq!(r.begin("*101", &picker("x")), Err(Failure::NoCall));
        assert_eq!(
            r.on_leg(&leg("u1", "PJSIP/dave-00000001"), now(), || false),
            LegChange::Ignored
        );
        assert_eq!(
            r.on_leg(&leg("u2", "PJSIP/bob-00000001"), now(), || false),
            LegChange::Ignored,
            "bob has no group"
        );
    }

    #[test]
    fn exclusions_are_never_tracked() {
        let r = registry();
        let now = now();
        let name = "PJSIP/alice-00000001";
        let cases = [
            LegEvent {
                dialed: "4255550100",
                ..leg("a", name)
            },
            LegEvent {
                caller_number: "555",
                ..leg("b", name)
            },
            LegEvent {
                origin: Origin::Queue,
                ..leg("d", name)
            },
            LegEvent {
                origin: Origin::Other,
                ..leg("e", name)
            },
        ];
        for case in &cases {
            let asked = std::cell::Cell::new(false);
            let change = r.on_leg(case, now, || {
                asked.set(true);
                false
            });
            assert_eq!(change, LegChange::Ignored, "{case:?}");
            assert!(!asked.get(), "the host is not asked about {case:?}");
        }
        // The host's own mark, asked once and only for a leg no rule excludes.
        let asked = std::cell::Cell::new(0);
        let marked = r.on_leg(&leg("c", name), now, || {
            asked.set(asked.get() + 1);
            true
        });
        assert_eq!((marked, asked.get()), (LegChange::Ignored, 1));
        let other = r.on_leg(&leg("f", "PJSIP/dave-00000001"), now, || panic!("asked"));
        assert_eq!(other, LegChange::Ignored);
        assert_eq!(r.ringing_in(&"*101".parse().unwrap()), 0);
    }

    #[test]
    fn pickup_by_members() {
        let r = registry();
        r.on_leg(&leg("u1", "PJSIP/carol-00000001"), now(), || false);
        assert_eq!(
            r.begin("*102", &picker("PJSIP/bob-00000002")),
            Err(Failure::Denied)
        );
        assert!(r.begin("*102", &picker("PJSIP/carol-00000003")).is_ok());
    }

    #[test]
    fn a_late_ring_of_a_leg_that_ended_or_was_picked_files_nothing() {
        let r = registry();
        let n = |g: &str| -> GroupNumber { g.parse().unwrap() };
        let ended = |uid| LegEvent {
            ringing: false,
            ..leg(uid, "PJSIP/alice-00000001")
        };
        // Stopped, then reported ringing again (a host's lagging view).
        r.on_leg(&leg("u1", "PJSIP/alice-00000001"), now(), || false);
        r.on_leg(&ended("u1"), now(), || false);
        assert_eq!(
            r.on_leg(&leg("u1", "PJSIP/alice-00000001"), now(), || false),
            LegChange::Ignored
        );
        assert_eq!(r.ringing_in(&n("*101")), 0);
        // Picked up, then reported ringing again.
        r.on_leg(&leg("u2", "PJSIP/alice-00000002"), now(), || false);
        let claim = r.begin("*101", &picker("p")).unwrap();
        r.picked(&claim);
        assert_eq!(
            r.on_leg(&leg("u2", "PJSIP/alice-00000002"), now(), || false),
            LegChange::Ignored
        );
        assert_eq!(r.ringing_in(&n("*101")), 0);
        assert!(matches!(
            r.begin("*101", &picker("p")),
            Err(Failure::NoCall)
        ));
        // A new leg still rings.
        assert_eq!(
            r.on_leg(&leg("u3", "PJSIP/alice-00000003"), now(), || false),
            LegChange::CallRinging(n("*101"))
        );
    }

    #[test]
    fn release_keeps_the_call_for_others() {
        let r = registry();
        r.on_leg(&leg("u1", "PJSIP/alice-00000001"), now(), || false);
        let claim = r.begin("*101", &picker("p")).unwrap();
        r.release(&claim, Failure::Failed);
        assert_eq!(r.begin("*101", &picker("p")).unwrap().id, claim.id);
        assert_eq!(r.stats.snapshot().failed, 1);
    }

    #[test]
    fn reload_regroups_ringing_calls() {
        let r = registry();
        r.on_leg(&leg("u1", "PJSIP/alice-00000001"), now(), || false);
        let moved = CONF.replace("group = *101", "group = *103");
        r.replace_config(Config::from_sections(&sections_from_text("t.conf", &moved)).unwrap());
        assert_eq!(r.ringing_in(&"*101".parse().unwrap()), 0);
        assert_eq!(r.ringing_in(&"*103".parse().unwrap()), 1);
    }

    #[test]
    fn lamps_follow_pickable_calls_and_publish_changes_once() {
        let r = registry();
        let g: GroupNumber = "*101".parse().unwrap();
        let mut published = Vec::new();
        r.update_lamps([g], |g, on| published.push((*g, on)));
        assert!(published.is_empty(), "nothing rings: the lamp stays off");
        r.on_leg(&leg("u1", "PJSIP/alice-00000001"), now(), || false);
        r.update_lamps([g], |g, on| published.push((*g, on)));
        r.update_lamps([g], |g, on| published.push((*g, on)));
        assert_eq!(published, [(g, true)]);
        let claim = r.begin("*101", &picker("p")).unwrap();
        r.picked(&claim);
        r.update_lamps(r.lamp_groups(), |g, on| published.push((*g, on)));
        assert_eq!(published, [(g, true), (g, false)]);
    }

    #[test]
    fn runtime_assignments_move_users_and_their_calls() {
        let r = registry();
        r.on_leg(&leg("u1", "PJSIP/alice-00000001"), now(), || false);
        assert!(r.set_user("alice", "*150").is_ok());
        assert_eq!(r.ringing_in(&"*101".parse().unwrap()), 0);
        assert_eq!(r.ringing_in(&"*150".parse().unwrap()), 1);
        assert!(r.set_user("bob", "*999").is_err());
        assert!(r.clear_user("alice").is_ok());
        assert_eq!(r.config().users["alice"].group, None);
        assert_eq!(r.ringing_in(&"*150".parse().unwrap()), 0);
        // A reload of the file keeps the runtime assignment on top.
        let problems =
            r.replace_config(Config::from_sections(&sections_from_text("t.conf", CONF)).unwrap());
        assert!(problems.is_empty());
        assert_eq!(r.config().users["alice"].group, None);
    }
}
