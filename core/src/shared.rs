//! A registry shared with other servers (a cluster): this server publishes
//! its pickable calls there, and a picker's claim goes there first, so that
//! the call that has rung longest in the group on any server is picked up,
//! once. The arbiter knows it only through this trait; the Redis one lives
//! in the `grouppickup-cluster` crate.

use super::number::GroupNumber;
use super::registry::CallView;
use super::ringing::CallId;

/// What a shared claim found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SharedClaim {
    /// Nothing pickable in the group on any live server.
    Nothing,
    /// A call of this server, by its id here.
    Here(CallId),
    /// A call ringing on another server (`call.node`), reached with the
    /// single-use `token`.
    There { call: CallView, token: String },
}

/// The shared registry could not answer in time: this server picks up its
/// own calls alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unavailable;

pub trait SharedRegistry: Send + Sync {
    /// This server's name in the cluster.
    fn node(&self) -> String;

    /// A call of this server is pickable (new, or in another group now).
    fn publish(&self, call: &CallView);

    /// A call of this server is not pickable any more.
    fn withdraw(&self, id: CallId);

    /// Claims the oldest pickable call of the group on any live server;
    /// waits a bounded time at most.
    fn claim(&self, group: &GroupNumber) -> Result<SharedClaim, Unavailable>;

    /// Gives back a claim of a call of this server.
    fn release_here(&self, id: CallId, group: GroupNumber);

    /// Gives back a claim of another server's call.
    fn release_there(&self, call: &CallView);

    /// Other servers' pickable calls in the group.
    fn remote_count(&self, group: &GroupNumber) -> usize;

    /// Other servers' calls, oldest first, each with its `node`.
    fn remote_calls(&self) -> Vec<CallView>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbiter::{Arbiter, LegEvent, Picker};
    use crate::pickup::{PickupHost, Take};
    use crate::ring_time::RingTime;
    use crate::ringing::{Claim, Leg};
    use crate::test_support::{arbiter, dialed_leg};
    use std::sync::{Arc, Mutex};

    const CONF: &str = "[r]\ntype=range\nstart=*100\nend=*199\n\
        [alice]\ntype=user\nendpoint=PJSIP/alice\ngroup=*101\n";

    /// A shared registry in memory: this server's published calls and the
    /// other servers' calls, claimed oldest first, as the real one does.
    #[derive(Default)]
    struct FakeShared {
        calls: Mutex<Vec<(CallView, bool)>>,
        /// Other servers' calls that stopped ringing there: their server
        /// has withdrawn them once a claim of them is given back.
        gone_there: Mutex<Vec<u64>>,
        down: std::sync::atomic::AtomicBool,
        log: Mutex<Vec<String>>,
    }

    impl SharedRegistry for FakeShared {
        fn node(&self) -> String {
            "pbx-a".into()
        }

        fn publish(&self, call: &CallView) {
            self.log
                .lock()
                .unwrap()
                .push(format!("publish {}", call.group));
            let mut calls = self.calls.lock().unwrap();
            calls.retain(|(c, _)| !(c.node.is_none() && c.id == call.id));
            calls.push((call.clone(), false));
        }

        fn withdraw(&self, id: CallId) {
            self.log.lock().unwrap().push("withdraw".into());
            self.calls
                .lock()
                .unwrap()
                .retain(|(c, _)| !(c.node.is_none() && c.id == id));
        }

        fn claim(&self, group: &GroupNumber) -> Result<SharedClaim, Unavailable> {
            if self.down.load(std::sync::atomic::Ordering::Relaxed) {
                return Err(Unavailable);
            }
            let mut calls = self.calls.lock().unwrap();
            let Some((call, claimed)) = calls
                .iter_mut()
                .filter(|(c, claimed)| c.group == *group && !claimed)
                .min_by_key(|(c, _)| c.rang_at)
            else {
                return Ok(SharedClaim::Nothing);
            };
            *claimed = true;
            Ok(match &call.node {
                None => SharedClaim::Here(call.id),
                Some(_) => SharedClaim::There {
                    call: call.clone(),
                    token: "t0k".into(),
                },
            })
        }

        fn release_here(&self, id: CallId, _: GroupNumber) {
            for (c, claimed) in self.calls.lock().unwrap().iter_mut() {
                if c.node.is_none() && c.id == id {
                    *claimed = false;
                }
            }
        }

        fn release_there(&self, call: &CallView) {
            self.log
                .lock()
                .unwrap()
                .push(format!("release {}", call.id));
            if self.gone_there.lock().unwrap().contains(&call.id) {
                self.calls
                    .lock()
                    .unwrap()
                    .retain(|(c, _)| !(c.node == call.node && c.id == call.id));
            }
            for (c, claimed) in self.calls.lock().unwrap().iter_mut() {
                if c.node == call.node && c.id == call.id {
                    *claimed = false;
                }
            }
        }

        fn remote_count(&self, group: &GroupNumber) -> usize {
            self.calls
                .lock()
                .unwrap()
                .iter()
                .filter(|(c, claimed)| c.node.is_some() && c.group == *group && !claimed)
                .count()
        }

        fn remote_calls(&self) -> Vec<CallView> {
            self.calls
                .lock()
                .unwrap()
                .iter()
                .filter(|(c, _)| c.node.is_some())
                .map(|(c, claimed)| CallView {
                    claimed: *claimed,
                    ..c.clone()
                })
                .collect()
        }
    }

    fn remote(id: u64) -> CallView {
        CallView {
            id,
            group: "*101".parse().unwrap(),
            user: "carol".into(),
            caller_number: "555".into(),
            caller_name: "Remote caller".into(),
            rang_at: RingTime(id),
            claimed: false,
            legs: vec![Leg {
                id: "r1".into(),
                name: "PJSIP/carol-00000001".into(),
            }],
            node: Some("pbx-b".into()),
        }
    }

    struct Host {
        takes: Vec<String>,
        /// What the other server does with a token.
        remote: Take,
    }

    impl Default for Host {
        fn default() -> Host {
            Host {
                takes: Vec::new(),
                remote: Take::Done,
            }
        }
    }

    impl PickupHost for Host {
        fn answer_picker(&mut self) -> bool {
            true
        }
        fn take(&mut self, leg: &Leg) -> Take {
            self.takes.push(leg.id.clone());
            Take::Done
        }
        fn take_remote(&mut self, claim: &Claim) -> Take {
            let via = claim.elsewhere.as_ref().unwrap();
            self.takes.push(format!("{}@{}", via.token, via.node));
            self.remote
        }
        fn notify_callee(&mut self, _: &crate::pickup::Pickup) {}
    }

    fn setup() -> (Arbiter, Arc<FakeShared>) {
        let a = arbiter(CONF);
        let shared = Arc::new(FakeShared::default());
        a.set_shared(Some(shared.clone()));
        (a, shared)
    }

    fn ring_alice(a: &Arbiter, at: u64) {
        let (leg, call) = (format!("a{at}"), format!("c{at}"));
        let event = LegEvent {
            call: &call,
            ..dialed_leg(&leg, "PJSIP/alice-00000001")
        };
        a.on_leg(&event, RingTime(at), || false);
    }

    #[test]
    fn the_oldest_call_of_any_server_is_taken_where_it_rings() {
        let (a, shared) = setup();
        shared.calls.lock().unwrap().push((remote(500), false));
        ring_alice(&a, 1_000);
        assert_eq!(a.ringing_in(&"*101".parse().unwrap()), 2, "here and there");
        assert_eq!(a.snapshot().len(), 2);
        assert_eq!(
            a.snapshot()[0].node.as_deref(),
            Some("pbx-b"),
            "oldest first"
        );
        let bob = Picker::default();
        let mut host = Host::default();
        let first = a.pick_up("*101", &bob, &mut host).unwrap();
        assert_eq!(first.claim.elsewhere.unwrap().node, "pbx-b");
        let second = a.pick_up("*101", &bob, &mut host).unwrap();
        assert!(second.claim.elsewhere.is_none());
        assert_eq!(host.takes, ["t0k@pbx-b", "a1000"]);
        assert!(
            shared.log.lock().unwrap().contains(&"withdraw".to_string()),
            "picked here: withdrawn"
        );
    }

    #[test]
    fn a_remote_call_gone_is_followed_by_the_next_and_a_failure_gives_it_back() {
        let (a, shared) = setup();
        shared.calls.lock().unwrap().push((remote(500), false));
        shared.gone_there.lock().unwrap().push(500);
        ring_alice(&a, 1_000);
        let mut host = Host {
            remote: Take::Gone,
            ..Host::default()
        };
        let got = a.pick_up("*101", &Picker::default(), &mut host).unwrap();
        assert!(got.claim.elsewhere.is_none(), "the next call, here");
        shared.calls.lock().unwrap().push((remote(700), false));
        let mut host = Host {
            remote: Take::Failed,
            ..Host::default()
        };
        let err = a
            .pick_up("*101", &Picker::default(), &mut host)
            .unwrap_err();
        assert_eq!(err.failure, crate::stats::Failure::Failed);
        assert!(shared
            .log
            .lock()
            .unwrap()
            .contains(&"release 700".to_string()));
        assert_eq!(a.ringing_in(&"*101".parse().unwrap()), 1, "offered again");
    }

    #[test]
    fn a_remote_call_that_does_not_come_through_is_given_back_and_tried_a_few_times() {
        let (a, shared) = setup();
        shared.calls.lock().unwrap().push((remote(500), false));
        let mut host = Host {
            remote: Take::Gone,
            ..Host::default()
        };
        let err = a
            .pick_up("*101", &Picker::default(), &mut host)
            .unwrap_err();
        assert_eq!(err.failure, crate::stats::Failure::NoCall);
        assert_eq!(host.takes.len(), 3, "{:?}", host.takes);
        assert_eq!(
            a.ringing_in(&"*101".parse().unwrap()),
            1,
            "still offered: it may ring there yet"
        );
    }

    #[test]
    fn without_an_answer_from_the_shared_registry_this_servers_calls_are_picked_alone() {
        let (a, shared) = setup();
        shared.calls.lock().unwrap().push((remote(500), false));
        ring_alice(&a, 1_000);
        shared
            .down
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let mut host = Host::default();
        let got = a.pick_up("*101", &Picker::default(), &mut host).unwrap();
        assert!(got.claim.elsewhere.is_none());
        assert_eq!(host.takes, ["a1000"]);
    }

    #[test]
    fn a_token_for_a_call_here_takes_that_call_and_no_other() {
        let (a, _shared) = setup();
        ring_alice(&a, 1_000);
        ring_alice(&a, 2_000);
        let id = a.snapshot_here()[1].id;
        let mut host = Host::default();
        let got = a.pick_up_here(id, &mut host).unwrap();
        assert_eq!(got.claim.id, id);
        let err = a.pick_up_here(id, &mut host).unwrap_err();
        assert_eq!(err.failure, crate::stats::Failure::NoCall, "used once");
    }

    #[test]
    fn calls_are_published_when_they_ring_and_withdrawn_when_they_stop() {
        let (a, shared) = setup();
        ring_alice(&a, 1_000);
        assert_eq!(shared.log.lock().unwrap().as_slice(), ["publish *101"]);
        let stop = LegEvent {
            ringing: false,
            ..dialed_leg("a1000", "PJSIP/alice-00000001")
        };
        a.on_leg(&stop, RingTime(2_000), || false);
        assert_eq!(
            shared.log.lock().unwrap().as_slice(),
            ["publish *101", "withdraw"]
        );
        assert!(shared.calls.lock().unwrap().is_empty());
    }
}
