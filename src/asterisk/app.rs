//! The GroupPickup(number) application: the core runs the pickup procedure;
//! this file is its hands in Asterisk (answer the picker, take a leg with
//! Asterisk's own pickup, send the message) and reports the outcome: logged,
//! counted, an AMI event, GROUPPICKUP_STATUS, the callee's lamp.

use super::ami_texts as texts;
use super::channels::device_of_channel;
use super::host::channel::{Channel, PickupResult};
use super::{ami, fail_tone, lamps, log, module, notify};
use grouppickup_cluster::Refused;
use grouppickup_core::arbiter::Picker;
use grouppickup_core::config::Config;
use grouppickup_core::pickup::{NotPicked, Pickup, PickupHost, Take};
use grouppickup_core::quote::quote;
use grouppickup_core::ring_time::RingTime;
use grouppickup_core::ringing::{Claim, Leg};
use grouppickup_core::stats::Failure;
use grouppickup_core::view::caller_id;

/// The picker's channel as the core sees it: its name, and the device it
/// dials from.
fn picker_of(chan: Channel<'_>) -> Picker {
    let name = chan.name();
    let device = device_of_channel(&name).map(str::to_string);
    Picker { name, device }
}

/// Who picked up, as the callee should read it: the picker's user name, or
/// else its caller ID, or else its channel.
fn picker_display(chan: Channel<'_>, picker: &Picker, config: &Config) -> String {
    if let Some(user) = picker
        .device
        .as_deref()
        .and_then(|d| config.user_of_device(d))
    {
        return user.name.to_string();
    }
    let (name, number) = chan.caller_id();
    let shown = caller_id(&name, &number);
    if shown.is_empty() {
        picker.name.clone()
    } else {
        shown
    }
}

/// The picker's channel, for the core's pickup procedure.
struct Hands<'a> {
    chan: Channel<'a>,
    picker: &'a Picker,
    config: &'a Config,
    /// Played to both parties when they are connected.
    sound: &'a str,
}

impl PickupHost for Hands<'_> {
    fn answer_picker(&mut self) -> bool {
        // Answered before the call is touched: Asterisk's pickup would
        // otherwise answer the picker after taking the call, waiting up to
        // half a second for media, and a callee answering in that time would
        // have the call taken from them.
        self.chan.answer()
    }

    fn take(&mut self, leg: &Leg) -> Take {
        match self.chan.pickup_leg(&leg.name, &leg.id, self.sound) {
            Ok(PickupResult::Done) => Take::Done,
            Ok(PickupResult::Gone) => Take::Gone,
            Ok(PickupResult::Failed) => Take::Failed,
            Err(e) => {
                log::error(&format!("grouppickup: picking up {}: {e}", leg.name));
                Take::Failed
            }
        }
    }

    fn take_remote(&mut self, claim: &Claim) -> Take {
        let settings = module::get().and_then(|m| m.cluster_settings());
        let (Some(via), Some(settings)) = (&claim.elsewhere, settings) else {
            return Take::Failed;
        };
        // The other server checks the token and picks the call up for the
        // trunk; this channel is then bridged with the caller through it,
        // until the call ends.
        match self
            .chan
            .dial(&settings.peer_dial_for(&via.node, &via.token))
        {
            Some(true) => Take::Done,
            // Taken or gone there a moment ago: the next call.
            Some(false) => Take::Gone,
            None => {
                log::error("grouppickup: Dial() is not loaded; a call ringing on another server cannot be reached");
                Take::Failed
            }
        }
    }

    fn notify_callee(&mut self, pickup: &Pickup) {
        notify::send(
            &pickup.claim,
            &picker_display(self.chan, self.picker, self.config),
        );
    }
}

/// Runs the application; returns what Asterisk expects from it: -1 after a
/// pickup (the picker's channel now is the caller's peer), 0 to go on in the
/// dialplan after a failure.
pub fn exec(chan: Channel<'_>, data: &str) -> i32 {
    let picker = picker_of(chan);
    let Some(module) = module::get() else {
        set_status(chan, Failure::Failed);
        return 0;
    };
    let arbiter = &module.arbiter;
    let config = arbiter.config();
    let mut hands = Hands {
        chan,
        picker: &picker,
        config: &config,
        sound: &config.general.pickupsound,
    };
    let result = arbiter.pick_up(data, &picker, &mut hands);
    match &result {
        Ok(pickup) => lamps::update(arbiter, [pickup.claim.group]),
        Err(NotPicked {
            group: Some(group), ..
        }) => lamps::update(arbiter, [*group]),
        Err(_) => {}
    }
    match result {
        Ok(Pickup { claim, leg }) => {
            let nodes = arbiter.node().map(|here| {
                let rang = claim.elsewhere.as_ref().map_or(&here, |e| &e.node).clone();
                (rang, here)
            });
            announce(&picker.name, &picker.name, &claim, &leg, nodes);
            -1
        }
        Err(NotPicked { failure, .. }) => {
            log::verbose(&format!(
                "grouppickup: {} dialed '{}': {}",
                picker.name,
                quote(data),
                failure.explanation()
            ));
            ami::event(
                "GroupPickupFailed",
                &texts::failed_event(data, &picker.name, failure.as_str()),
            );
            set_status(chan, failure);
            fail_tone::play(chan, &config.general);
            0
        }
    }
}

/// GroupPickupPeer(token): a call from another server of the cluster,
/// whose picker claimed a call ringing here. Always ends the call from that
/// server afterwards (-1): connected to the caller until the call ends, or
/// refused.
pub fn exec_peer(chan: Channel<'_>, token: &str) -> i32 {
    let trunk = chan.name();
    let Some(module) = module::get() else {
        return -1;
    };
    let Some(cluster) = module.cluster() else {
        log::warning(&format!(
            "grouppickup: {trunk} ran GroupPickupPeer, but this server is in no cluster; refused"
        ));
        return -1;
    };
    let (id, claimer) = match cluster.redeem(token.trim()) {
        Ok(found) => found,
        Err(refused) => {
            log::warning(&format!(
                "grouppickup: {trunk} brought a pickup token that is refused: {}",
                match refused {
                    Refused::Unknown =>
                        "not a token of this cluster, used already, or expired".to_string(),
                    Refused::OtherNode(call) =>
                        format!("it is for a call of another server ({call})"),
                    Refused::Unavailable =>
                        "the cluster registry cannot be reached to check it".to_string(),
                }
            ));
            return -1;
        }
    };
    let arbiter = &module.arbiter;
    let config = arbiter.config();
    let picker = Picker {
        name: format!("{trunk} for {claimer}"),
        device: None,
    };
    let mut hands = Hands {
        chan,
        picker: &picker,
        config: &config,
        sound: &config.general.pickupsound,
    };
    match arbiter.pick_up_here(id, &mut hands) {
        Ok(Pickup { claim, leg }) => {
            lamps::update(arbiter, [claim.group]);
            let who = format!("{claimer} (through {trunk})");
            let nodes = Some((cluster.node().to_string(), claimer));
            announce(&who, &trunk, &claim, &leg, nodes);
        }
        Err(NotPicked { group, .. }) => {
            if let Some(group) = group {
                lamps::update(arbiter, [group]);
            }
            log::verbose(&format!(
                "grouppickup: the call {claimer} claimed through {trunk} is no longer pickable here"
            ));
        }
    }
    -1
}

/// A pickup done: logged, and the AMI event `GroupPickup`; `who` picked
/// up on the channel `picker`; in a cluster, `nodes` are the server the
/// call rang on and the picker's.
fn announce(who: &str, picker: &str, claim: &Claim, leg: &Leg, nodes: Option<(String, String)>) {
    let now = RingTime::now();
    log::notice(&format!(
        "grouppickup: {who} picked up the call from {} to {} in group {} after {} ms",
        claim.caller_number,
        claim.user,
        claim.group,
        claim.rang_at.elapsed_at(now).as_millis()
    ));
    ami::event(
        "GroupPickup",
        &texts::pickup_event(claim, picker, &leg.name, now, nodes),
    );
}

fn set_status(chan: Channel<'_>, failure: Failure) {
    chan.set_var("GROUPPICKUP_STATUS", failure.as_str());
}

/// Benchmark builds: what the pickup does to find its target (resolve the
/// number, claim the oldest call, look its leg's channel up by name), with
/// the claim given back afterwards. True when a target was found.
#[cfg(feature = "bench")]
pub fn find_only(chan: Channel<'_>, dialed: &str) -> bool {
    let picker = picker_of(chan);
    let Some(module) = module::get() else {
        return false;
    };
    let Ok(claim) = module.arbiter.begin(dialed, &picker) else {
        return false;
    };
    let found = claim
        .legs
        .iter()
        .any(|leg| super::host::channel::bench_lookup(&leg.name));
    module.arbiter.release(&claim, Failure::Failed);
    found
}
