//! Pickup arbitration: the one place that turns what Asterisk reports (legs
//! ringing and stopping) and what pickers ask for (a dialed group number) into
//! decisions. It owns the configuration in force and the ringing index; it
//! never calls Asterisk, it answers.

use super::assignments::{Assignments, Persist};
use super::config::{Config, PickupBy, User};
use super::device::device_of_channel;
use super::number::GroupNumber;
use super::ringing::{Claim, RingingIndex, RingingLeg, Stopped};
use super::stats::{Failure, Stats};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Instant;

/// A channel state change of interest, as the adapter reports it.
#[derive(Clone, Debug, Default)]
pub struct LegEvent<'a> {
    pub uniqueid: &'a str,
    pub name: &'a str,
    pub linkedid: &'a str,
    pub caller_number: &'a str,
    pub caller_name: &'a str,
    /// The application that created the leg: `AppDial` for Dial(),
    /// `AppQueue` for Queue().
    pub appl: &'a str,
    /// The number the caller dialed.
    pub exten: &'a str,
    /// The channel is in state Ringing (the device sent 180).
    pub ringing: bool,
    /// The caller's channel carries GROUPPICKUP_EXCLUDE=yes.
    pub excluded: bool,
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

/// Who is trying to pick up: the user the picker's device belongs to, if any.
#[derive(Clone, Debug, Default)]
pub struct Picker {
    pub channel: String,
}

pub struct Registry {
    /// The configuration in force: the file's, with the runtime assignments.
    config: RwLock<Arc<Config>>,
    /// What the configuration in force is made of; changed one at a time.
    sources: Mutex<Sources>,
    index: Mutex<Tracked>,
    /// Groups whose lamp (device state) was last published as ringing.
    lamps: Mutex<HashSet<GroupNumber>>,
    pub stats: Stats,
}

/// The ringing calls, and the configuration they are grouped by: a reload
/// changes both under the one lock, and a leg is filed under it without
/// taking the configuration's lock or a reference count on the way.
struct Tracked {
    calls: RingingIndex,
    config: Arc<Config>,
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

impl Registry {
    pub fn new(config: Config) -> Registry {
        let config = Arc::new(config);
        Registry {
            config: RwLock::new(config.clone()),
            index: Mutex::new(Tracked {
                calls: RingingIndex::default(),
                config: config.clone(),
            }),
            sources: Mutex::new(Sources {
                file: config,
                assignments: Assignments::default(),
            }),
            lamps: Mutex::new(HashSet::new()),
            stats: Stats::default(),
        }
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

    /// Replaces the runtime assignments (read from the AstDB at load).
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

    /// Ringing calls follow their user to the user's new group, or are
    /// dropped when the user no longer has one.
    fn swap(&self, config: Arc<Config>) {
        let mut tracked = lock(&self.index);
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = config.clone();
        tracked
            .calls
            .regroup(|user| config.users.get(user).and_then(|u| u.group));
        tracked.config = config;
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

    /// Turns every lit lamp off (at unload: a state cached by Asterisk must
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

    /// Reads the index under its lock (for the CLI and the functions).
    pub fn with_index<R>(&self, f: impl FnOnce(&RingingIndex) -> R) -> R {
        f(&lock(&self.index).calls)
    }

    /// Whether a ringing leg on this channel could be pickable at all: its
    /// device belongs to a user in a group. Lets the adapter skip the costly
    /// questions (GROUPPICKUP_EXCLUDE) for every other channel.
    pub fn may_track(&self, channel: &str) -> bool {
        grouped_user(&self.config(), channel).is_some()
    }

    pub fn on_leg(&self, event: &LegEvent<'_>, now: Instant) -> LegChange {
        // The index lock first, and the configuration read under it: a
        // reload swaps the configuration and regroups the index under the
        // same lock, so a leg is always filed by the configuration the index
        // is grouped by (never in a user's old group after a reload).
        let mut tracked = lock(&self.index);
        let Tracked { calls, config } = &mut *tracked;
        if !event.ringing {
            return match calls.stop(event.uniqueid) {
                Stopped::Unknown => LegChange::Ignored,
                Stopped::Leg => LegChange::LegStopped(None),
                Stopped::Call(group) => LegChange::LegStopped(Some(group)),
            };
        }
        let Some((user, group)) = grouped_user(config, event.name) else {
            return LegChange::Ignored;
        };
        if !pickable(config, event, &user.private_lines, &user.personal_contacts) {
            return LegChange::Ignored;
        }
        let ringing = RingingLeg {
            uniqueid: event.uniqueid,
            name: event.name,
            user: &user.name,
            group,
            linkedid: event.linkedid,
            caller_number: event.caller_number,
            caller_name: event.caller_name,
        };
        if calls.ring(ringing, now) {
            self.stats.call_tracked();
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
        let config = self.config();
        let Some(group) = config.resolve(dialed.trim()) else {
            self.stats.failed(Failure::Invalid);
            return Err(Failure::Invalid);
        };
        if !may_pick(&config, &group, picker) {
            self.stats.failed(Failure::Denied);
            return Err(Failure::Denied);
        }
        self.next(&group)
    }

    /// The next call of the same group after a claimed one turned out to be
    /// gone.
    pub fn next(&self, group: &GroupNumber) -> Result<Claim, Failure> {
        match lock(&self.index).calls.claim_oldest(group) {
            Some(claim) => Ok(claim),
            None => {
                self.stats.failed(Failure::NoCall);
                Err(Failure::NoCall)
            }
        }
    }

    pub fn picked(&self, claim: &Claim) {
        lock(&self.index).calls.finish(claim.id);
        self.stats.picked(claim.since.elapsed());
    }

    /// None of the claimed call's legs could be picked up any more (answered
    /// or hung up a moment ago): forget it.
    pub fn unavailable(&self, claim: &Claim) {
        lock(&self.index).calls.finish(claim.id);
    }

    /// The picker's own side failed; the call stays pickable for others.
    pub fn release(&self, claim: &Claim, failure: Failure) {
        lock(&self.index).calls.release(claim.id);
        self.stats.failed(failure);
    }

    /// Pickable calls ringing in a group now.
    pub fn ringing_in(&self, group: &GroupNumber) -> usize {
        lock(&self.index).calls.pickable_in(group)
    }
}

/// The user in a group whose device a channel was created for, if any.
fn grouped_user<'c>(config: &'c Config, channel: &str) -> Option<(&'c User, GroupNumber)> {
    let user = config.user_of_device(device_of_channel(channel)?)?;
    Some((user, user.group?))
}

/// The exclusions that make a ringing leg never pickable.
fn pickable(
    config: &Config,
    event: &LegEvent<'_>,
    private_lines: &[String],
    personal_contacts: &[String],
) -> bool {
    let dialed_by = match event.appl {
        "AppDial" => true,
        "AppQueue" => !config.general.exclude_queue_calls,
        _ => false,
    };
    dialed_by
        && !event.excluded
        && !private_lines.iter().any(|l| l == event.exten)
        && !personal_contacts.iter().any(|c| c == event.caller_number)
}

fn may_pick(config: &Config, group: &GroupNumber, picker: &Picker) -> bool {
    let policy = config
        .groups
        .get(group)
        .map_or(&PickupBy::Anyone, |g| &g.pickup_by);
    let picker_user = || device_of_channel(&picker.channel).and_then(|d| config.user_of_device(d));
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

    fn registry() -> Registry {
        Registry::new(Config::from_sections(&sections_from_text("t.conf", CONF)).unwrap())
    }

    fn leg<'a>(uid: &'a str, name: &'a str) -> LegEvent<'a> {
        LegEvent {
            uniqueid: uid,
            name,
            linkedid: "L1",
            caller_number: "100",
            caller_name: "Caller",
            appl: "AppDial",
            exten: "2001",
            ringing: true,
            excluded: false,
        }
    }

    fn picker(name: &str) -> Picker {
        Picker {
            channel: name.to_string(),
        }
    }

    #[test]
    fn ring_pick_and_forget() {
        let r = registry();
        let g: GroupNumber = "*101".parse().unwrap();
        assert_eq!(
            r.on_leg(&leg("u1", "PJSIP/alice-00000001"), Instant::now()),
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
        assert_eq!(r.on_leg(&stopped, Instant::now()), LegChange::Ignored);
    }

    #[test]
    fn only_legs_of_grouped_users_may_be_tracked() {
        let r = registry();
        assert!(r.may_track("PJSIP/alice-00000001"));
        assert!(r.may_track("PJSIP/alice-desk-0000000a"));
        assert!(!r.may_track("PJSIP/bob-00000001"), "bob has no group");
        assert!(!r.may_track("PJSIP/dave-00000001"), "nobody's device");
        assert!(!r.may_track("Local/2001@internal-00000001;2"));
    }

    #[test]
    fn unknown_numbers_and_devices() {
        let r = registry();
        assert_eq!(r.begin("*300", &picker("x")), Err(Failure::Invalid));
        assert_eq!(r.begin("", &picker("x")), Err(Failure::Invalid));
        assert_eq!(r.begin("*101", &picker("x")), Err(Failure::NoCall));
        assert_eq!(
            r.on_leg(&leg("u1", "PJSIP/dave-00000001"), Instant::now()),
            LegChange::Ignored
        );
        assert_eq!(
            r.on_leg(&leg("u2", "PJSIP/bob-00000001"), Instant::now()),
            LegChange::Ignored,
            "bob has no group"
        );
    }

    #[test]
    fn exclusions_are_never_tracked() {
        let r = registry();
        let now = Instant::now();
        let name = "PJSIP/alice-00000001";
        let cases = [
            LegEvent {
                exten: "4255550100",
                ..leg("a", name)
            },
            LegEvent {
                caller_number: "555",
                ..leg("b", name)
            },
            LegEvent {
                excluded: true,
                ..leg("c", name)
            },
            LegEvent {
                appl: "AppQueue",
                ..leg("d", name)
            },
            LegEvent {
                appl: "",
                ..leg("e", name)
            },
        ];
        for case in &cases {
            assert_eq!(r.on_leg(case, now), LegChange::Ignored, "{case:?}");
        }
        assert_eq!(r.ringing_in(&"*101".parse().unwrap()), 0);
    }

    #[test]
    fn pickup_by_members() {
        let r = registry();
        r.on_leg(&leg("u1", "PJSIP/carol-00000001"), Instant::now());
        assert_eq!(
            r.begin("*102", &picker("PJSIP/bob-00000002")),
            Err(Failure::Denied)
        );
        assert!(r.begin("*102", &picker("PJSIP/carol-00000003")).is_ok());
    }

    #[test]
    fn release_keeps_the_call_for_others() {
        let r = registry();
        r.on_leg(&leg("u1", "PJSIP/alice-00000001"), Instant::now());
        let claim = r.begin("*101", &picker("p")).unwrap();
        r.release(&claim, Failure::Failed);
        assert_eq!(r.begin("*101", &picker("p")).unwrap().id, claim.id);
        assert_eq!(r.stats.snapshot().failed, 1);
    }

    #[test]
    fn reload_regroups_ringing_calls() {
        let r = registry();
        r.on_leg(&leg("u1", "PJSIP/alice-00000001"), Instant::now());
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
        r.on_leg(&leg("u1", "PJSIP/alice-00000001"), Instant::now());
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
        r.on_leg(&leg("u1", "PJSIP/alice-00000001"), Instant::now());
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
