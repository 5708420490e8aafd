//! The pickup procedure, from a dialed group number to a connected call:
//! claim the call that has rung longest, answer the picker, try the call's
//! legs one by one on the live host, and on the outcome finish the claim,
//! give it back, or go on to the next call. The host is reached only through
//! [`PickupHost`], so every branch and race of the procedure is tested here
//! with a fake host.

use super::arbiter::{Arbiter, Picker};
use super::number::GroupNumber;
use super::registry::RingingRegistry;
use super::ringing::{CallId, Claim, Leg};
use super::stats::Failure;

/// How many calls of other servers one pickup tries that do not come
/// through, before it gives up.
const MAX_MISSED_ELSEWHERE: usize = 3;

/// What the host did with one leg of a claimed call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Take {
    /// The picker is now connected to the caller through this leg.
    Done,
    /// The leg is no longer a ringing leg that can be taken (answered, hung
    /// up, taken by another pickup): try the call's next leg.
    Gone,
    /// The pickup failed on the picker's side.
    Failed,
}

/// What the procedure needs of the host, for one picker.
pub trait PickupHost {
    /// Answers the picker's own leg; false when that failed. Called once a
    /// call is claimed, before any leg is touched: a callee who answers in
    /// that moment keeps the call.
    fn answer_picker(&mut self) -> bool;

    /// Takes one leg of the claimed call for the picker, re-checking on the
    /// live leg that it still rings.
    fn take(&mut self, leg: &Leg) -> Take;

    /// Takes a claimed call that rings on another server
    /// (`claim.elsewhere`): reaches that server with the claim's token.
    fn take_remote(&mut self, claim: &Claim) -> Take;

    /// Tells the callee who picked the call up (`notify_message`); called
    /// after a pickup when the configuration asks for it.
    fn notify_callee(&mut self, pickup: &Pickup);
}

/// A call picked up, and the leg it was taken through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pickup {
    pub claim: Claim,
    pub leg: Leg,
}

/// Why nothing was picked up, and the group of the last call claimed on the
/// way, if any (its lamp may have changed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotPicked {
    pub failure: Failure,
    pub group: Option<GroupNumber>,
}

impl<R: RingingRegistry> Arbiter<R> {
    /// Runs the whole pickup for `picker`, who dialed `dialed`.
    pub fn pick_up(
        &self,
        dialed: &str,
        picker: &Picker,
        host: &mut impl PickupHost,
    ) -> Result<Pickup, NotPicked> {
        let unclaimed = |failure| NotPicked {
            failure,
            group: None,
        };
        let group = self.admit(dialed, picker).map_err(unclaimed)?;
        let first = self.next(&group).map_err(unclaimed)?;
        self.carry_out(first, host, true)
    }

    /// Picks up the call `id` of this server for a picker on another server
    /// (it brought a token for that call). If the call is gone, that picker
    /// goes on to its next call itself.
    pub fn pick_up_here(
        &self,
        id: CallId,
        host: &mut impl PickupHost,
    ) -> Result<Pickup, NotPicked> {
        let first = self.claim_here(id).map_err(|failure| NotPicked {
            failure,
            group: None,
        })?;
        self.carry_out(first, host, false)
    }

    /// From a claimed call to the outcome; with `go_on`, a call found gone
    /// is followed by the group's next one.
    fn carry_out(
        &self,
        mut claim: Claim,
        host: &mut impl PickupHost,
        go_on: bool,
    ) -> Result<Pickup, NotPicked> {
        let group = claim.group;
        let failed = |failure| NotPicked {
            failure,
            group: Some(group),
        };
        if !host.answer_picker() {
            self.release(&claim, Failure::Failed);
            return Err(failed(Failure::Failed));
        }
        // Calls of other servers that did not come through: each is given
        // back (it may still ring there), so after a few the picker stops
        // rather than be offered the same one again and again.
        let mut missed_elsewhere = 0;
        loop {
            let outcome = if claim.elsewhere.is_some() {
                let leg = claim.legs.first().cloned().unwrap_or(Leg {
                    id: String::new(),
                    name: String::new(),
                });
                Some((host.take_remote(&claim), leg))
            } else {
                claim
                    .legs
                    .iter()
                    .map(|leg| (host.take(leg), leg))
                    .find(|(taken, _)| *taken != Take::Gone)
                    .map(|(taken, leg)| (taken, leg.clone()))
            };
            match outcome {
                Some((Take::Done, leg)) => {
                    self.picked(&claim);
                    let pickup = Pickup { claim, leg };
                    if self.config().general.notify_message {
                        host.notify_callee(&pickup);
                    }
                    return Ok(pickup);
                }
                Some((Take::Failed, _)) => {
                    self.release(&claim, Failure::Failed);
                    return Err(failed(Failure::Failed));
                }
                _ if claim.elsewhere.is_some() => {
                    // The other server did not take it: gone there, or it
                    // could not check the token just now. Given back, it
                    // is offered again if it still rings.
                    self.give_back(&claim);
                    missed_elsewhere += 1;
                    if missed_elsewhere >= MAX_MISSED_ELSEWHERE {
                        self.stats.failed(Some(group), Failure::NoCall);
                        return Err(failed(Failure::NoCall));
                    }
                    claim = self.next(&group).map_err(failed)?;
                }
                _ => {
                    // Answered or hung up a moment ago: the next one, if any.
                    self.unavailable(&claim);
                    if !go_on {
                        self.stats.failed(Some(group), Failure::NoCall);
                        return Err(failed(Failure::NoCall));
                    }
                    claim = self.next(&group).map_err(failed)?;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbiter::LegEvent;
    use crate::ring_time::RingTime;
    use crate::test_support::{arbiter, dialed_leg};
    use std::collections::HashMap;

    const CONF: &str = "[r]\ntype=range\nstart=*100\nend=*199\n\
        [alice]\ntype=user\nendpoint=PJSIP/alice,PJSIP/alice-desk\ngroup=*101\n\
        [carol]\ntype=user\nendpoint=PJSIP/carol\ngroup=*101\n\
        [general]\nnotify_message=yes\n";

    /// What other pickers do while a leg is being taken.
    type Meanwhile = Box<dyn FnMut(&str)>;

    /// A host whose legs answer as told; records what was asked of it.
    #[derive(Default)]
    struct FakeHost {
        answer_fails: bool,
        takes: HashMap<String, Take>,
        /// Run when a leg is taken, before its answer: what other threads do
        /// meanwhile.
        during_take: Option<Meanwhile>,
        asked: Vec<String>,
        notified: Vec<String>,
    }

    impl PickupHost for FakeHost {
        fn answer_picker(&mut self) -> bool {
            self.asked.push("answer".into());
            !self.answer_fails
        }

        fn take(&mut self, leg: &Leg) -> Take {
            self.asked.push(leg.id.clone());
            if let Some(f) = self.during_take.as_mut() {
                f(&leg.id);
            }
            self.takes.get(&leg.id).copied().unwrap_or(Take::Gone)
        }

        fn notify_callee(&mut self, pickup: &Pickup) {
            self.notified.push(pickup.claim.user.clone());
        }

        fn take_remote(&mut self, claim: &Claim) -> Take {
            let via = claim.elsewhere.as_ref().expect("a remote claim");
            self.asked.push(format!("{}@{}", via.token, via.node));
            self.takes.get(&via.node).copied().unwrap_or(Take::Gone)
        }
    }

    fn ring(arbiter: &Arbiter, leg: &str, device_leg: &str, call: &str) {
        let event = LegEvent {
            call,
            ..dialed_leg(leg, device_leg)
        };
        arbiter.on_leg(&event, RingTime::now(), || false);
    }

    fn bob() -> Picker {
        Picker {
            name: "PJSIP/bob-00000009".into(),
            device: Some("PJSIP/bob".into()),
        }
    }

    #[test]
    fn the_first_leg_that_still_rings_is_taken_and_the_callee_told() {
        let arbiter = arbiter(CONF);
        ring(&arbiter, "a1", "PJSIP/alice-1", "c1");
        ring(&arbiter, "a2", "PJSIP/alice-desk-2", "c1");
        let mut host = FakeHost::default();
        host.takes.insert("a2".into(), Take::Done);
        let pickup = arbiter.pick_up("*101", &bob(), &mut host).unwrap();
        assert_eq!(pickup.leg.id, "a2");
        assert_eq!(host.asked, ["answer", "a1", "a2"]);
        assert_eq!(host.notified, ["alice"]);
        assert_eq!(arbiter.ringing_in(&"*101".parse().unwrap()), 0);
        assert_eq!(arbiter.stats.snapshot().pickups, 1);
    }

    #[test]
    fn a_call_gone_meanwhile_is_skipped_for_the_next_one() {
        let arbiter = arbiter(CONF);
        ring(&arbiter, "a1", "PJSIP/alice-1", "c1");
        ring(&arbiter, "k1", "PJSIP/carol-2", "c2");
        let mut host = FakeHost::default();
        host.takes.insert("k1".into(), Take::Done);
        let pickup = arbiter.pick_up("*101", &bob(), &mut host).unwrap();
        assert_eq!(pickup.claim.user, "carol");
        assert_eq!(host.asked, ["answer", "a1", "k1"]);
        assert_eq!(
            arbiter.snapshot().len(),
            0,
            "alice's gone call is forgotten"
        );
    }

    #[test]
    fn nothing_left_is_nocall_with_the_group_whose_lamp_changed() {
        let arbiter = arbiter(CONF);
        ring(&arbiter, "a1", "PJSIP/alice-1", "c1");
        let mut host = FakeHost::default();
        let got = arbiter.pick_up("*101", &bob(), &mut host);
        assert_eq!(
            got,
            Err(NotPicked {
                failure: Failure::NoCall,
                group: Some("*101".parse().unwrap())
            })
        );
        let got = arbiter.pick_up("*150", &bob(), &mut host);
        assert_eq!(got.unwrap_err().group, None);
        assert_eq!(
            arbiter
                .pick_up("*1", &bob(), &mut host)
                .unwrap_err()
                .failure,
            Failure::Invalid
        );
        assert!(host.notified.is_empty());
    }

    #[test]
    fn the_pickers_own_failure_gives_the_call_back() {
        let arbiter = arbiter(CONF);
        ring(&arbiter, "a1", "PJSIP/alice-1", "c1");
        let mut host = FakeHost {
            answer_fails: true,
            ..FakeHost::default()
        };
        let got = arbiter.pick_up("*101", &bob(), &mut host).unwrap_err();
        assert_eq!(got.failure, Failure::Failed);
        assert_eq!(host.asked, ["answer"], "no leg touched");
        assert_eq!(arbiter.ringing_in(&"*101".parse().unwrap()), 1);

        let mut host = FakeHost::default();
        host.takes.insert("a1".into(), Take::Failed);
        let got = arbiter.pick_up("*101", &bob(), &mut host).unwrap_err();
        assert_eq!(got.failure, Failure::Failed);
        assert_eq!(arbiter.ringing_in(&"*101".parse().unwrap()), 1);
        assert_eq!(arbiter.stats.snapshot().failed, 2);
    }

    #[test]
    fn a_second_picker_during_a_pickup_gets_the_next_call_or_nothing() {
        let arbiter = std::rc::Rc::new(arbiter(CONF));
        ring(&arbiter, "a1", "PJSIP/alice-1", "c1");
        ring(&arbiter, "k1", "PJSIP/carol-2", "c2");
        let second = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let mut host = FakeHost::default();
        host.takes.insert("a1".into(), Take::Done);
        let (inner, seen) = (arbiter.clone(), second.clone());
        // While the first picker takes alice's leg, two more pickers dial.
        host.during_take = Some(Box::new(move |_| {
            for _ in 0..2 {
                let mut other = FakeHost::default();
                other.takes.insert("k1".into(), Take::Done);
                let got = inner.pick_up("*101", &bob(), &mut other);
                seen.borrow_mut()
                    .push(got.map(|p| p.claim.user).map_err(|e| e.failure));
            }
        }));
        let first = arbiter.pick_up("*101", &bob(), &mut host).unwrap();
        assert_eq!(first.claim.user, "alice");
        assert_eq!(
            *second.borrow(),
            [Ok("carol".to_string()), Err(Failure::NoCall)],
            "alice's call is never offered twice"
        );
    }

    #[test]
    fn a_denied_picker_touches_nothing() {
        let conf = format!("{CONF}[*101]\ntype=group\npickup_by=members\n");
        let arbiter = arbiter(&conf);
        ring(&arbiter, "a1", "PJSIP/alice-1", "c1");
        let mut host = FakeHost::default();
        let got = arbiter.pick_up("*101", &bob(), &mut host).unwrap_err();
        assert_eq!(got.failure, Failure::Denied);
        assert!(host.asked.is_empty());
        let carol = Picker {
            name: "PJSIP/carol-7".into(),
            device: Some("PJSIP/carol".into()),
        };
        host.takes.insert("a1".into(), Take::Done);
        assert!(arbiter.pick_up("*101", &carol, &mut host).is_ok());
    }
}
