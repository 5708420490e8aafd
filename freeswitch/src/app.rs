//! The `group_pickup <number>` application: the core runs the pickup
//! procedure; this file is its hands in FreeSWITCH (answer the picker, take
//! a ringing leg's caller with FreeSWITCH's intercept, re-checked on the
//! live, located leg) and reports the outcome: logged, a CUSTOM event,
//! `grouppickup_status`, the group's presence.
//!
//! `pickup-sound` is played to both parties once they are bridged: each
//! side's bridge runs `group_pickup_sound` (FreeSWITCH's
//! `bridge_pre_execute_app`, which a bridge executes on its own leg once
//! media flows), so the sound never delays or breaks the intercept.

use super::host::Session;
use super::legs::device_of_caller;
use super::{log, module, notices};
use grouppickup_core::arbiter::{Arbiter, Picker};
use grouppickup_core::pickup::{NotPicked, Pickup, PickupHost, Take};
use grouppickup_core::quote::quote;
use grouppickup_core::ringing::{Claim, Leg};
use grouppickup_core::stats::Failure;

/// The channel variable a failed pickup sets.
pub const STATUS_VAR: &str = "grouppickup_status";

/// What a bridge runs on its leg once media flows (FreeSWITCH's names),
/// and the application that plays the pickup sound there.
const BRIDGE_APP: &str = "bridge_pre_execute_app";
const BRIDGE_DATA: &str = "bridge_pre_execute_data";
const SOUND_APP: &str = "group_pickup_sound";

struct Hands<'a> {
    picker: &'a Session,
    arbiter: &'a Arbiter,
    /// `pickup-sound`, empty for none.
    sound: &'a str,
}

/// Schedules (or, `on` false, withdraws) the pickup sound on the bridge
/// `session` is about to enter.
fn schedule_sound(session: &Session, sound: &str, on: bool) {
    if on {
        session.set_var(BRIDGE_APP, SOUND_APP);
        session.set_var(BRIDGE_DATA, sound);
    } else {
        session.unset_var(BRIDGE_APP);
        session.unset_var(BRIDGE_DATA);
    }
}

impl Hands<'_> {
    /// The ids of every leg of the (claimed) call `leg` belongs to.
    fn legs_of_call(&self, leg: &Leg) -> Vec<String> {
        self.arbiter.inspect(|calls| {
            calls
                .call_of(&leg.id)
                .and_then(|id| calls.view(id))
                .map(|call| call.legs.iter().map(|l| l.id.clone()).collect())
                .unwrap_or_default()
        })
    }

    /// The pickup sound on the picker's and the caller's coming bridge.
    fn schedule_sound(&self, caller: &str, on: bool) {
        if self.sound.is_empty() {
            return;
        }
        schedule_sound(self.picker, self.sound, on);
        if let Some(caller) = Session::locate(caller) {
            schedule_sound(&caller, self.sound, on);
        }
    }
}

impl PickupHost for Hands<'_> {
    fn answer_picker(&mut self) -> bool {
        self.picker.answer()
    }

    fn take(&mut self, leg: &Leg) -> Take {
        // Located, the ringing leg cannot be destroyed while it is checked
        // and its caller intercepted.
        let Some(ringing) = Session::locate(&leg.id) else {
            return Take::Gone;
        };
        if !ringing.state().pickable() {
            return Take::Gone;
        }
        let Some(caller) = ringing.var("originator") else {
            return Take::Gone;
        };
        // FreeSWITCH's intercept ends one ringing leg of the caller as
        // picked off; the caller's dial ends its others (simultaneous ring)
        // as cancelled. Every leg marked first, each phone is told the call
        // was answered elsewhere.
        let others: Vec<Session> = self
            .legs_of_call(leg)
            .iter()
            .filter_map(|id| Session::locate(id))
            .filter(|s| s.state().pickable())
            .collect();
        for other in &others {
            other.mark_answered_elsewhere(true);
        }
        log::debug(&format!(
            "grouppickup: {} ringing leg(s) of the call marked answered elsewhere",
            others.len()
        ));
        self.schedule_sound(&caller, true);
        // FreeSWITCH's intercept refuses a caller answered meanwhile (the
        // callee took the call): that is a call gone, not a failure.
        if self.picker.intercept(&caller) {
            Take::Done
        } else {
            for other in &others {
                other.mark_answered_elsewhere(false);
            }
            self.schedule_sound(&caller, false);
            Take::Gone
        }
    }

    fn take_remote(&mut self, _claim: &Claim) -> Take {
        // No cluster in FreeSWITCH: every call is local.
        Take::Failed
    }

    fn notify_callee(&mut self, _pickup: &Pickup) {}
}

pub fn exec(session: &Session, data: &str) {
    let dialed = data.trim();
    let picker = Picker {
        name: session.name(),
        device: device_of_caller(session),
    };
    let uuid = session.uuid();
    let Some(module) = module::get() else {
        session.set_var(STATUS_VAR, Failure::Failed.as_str());
        return;
    };
    let arbiter = &module.arbiter;
    let config = arbiter.config();
    let result = arbiter.pick_up(
        dialed,
        &picker,
        &mut Hands {
            picker: session,
            arbiter,
            sound: &config.general.pickupsound,
        },
    );
    let group = match &result {
        Ok(p) => Some(p.claim.group),
        Err(NotPicked { group, .. }) => *group,
    };
    if let Some(group) = group {
        notices::lamps(&module, [group]);
    }
    match result {
        Ok(Pickup { claim, leg }) => {
            log::notice(&format!(
                "grouppickup: {} picked up the call from {} to {} in group {}",
                picker.name, claim.caller_number, claim.user, claim.group
            ));
            notices::picked(&uuid, &claim, &leg);
        }
        Err(NotPicked { failure, .. }) => {
            log::info(&format!(
                "grouppickup: {} dialed '{}': {}",
                picker.name,
                quote(dialed),
                failure.explanation()
            ));
            session.set_var(STATUS_VAR, failure.as_str());
            notices::failed(dialed, &uuid, failure.as_str());
            let sound = &config.general.pickupfailsound;
            if !sound.is_empty() {
                session.play(sound);
            }
        }
    }
}

/// `group_pickup_sound <sound>`, run by a pickup's bridge on each party:
/// once only (a later bridge of the same leg, after a transfer, plays
/// nothing), then the sound.
pub fn pickup_sound(session: &Session, sound: &str) {
    if session.var(BRIDGE_APP).as_deref() == Some(SOUND_APP) {
        schedule_sound(session, sound, false);
    }
    let sound = sound.trim();
    if !sound.is_empty() && !session.play(sound) {
        log::warning(&format!(
            "grouppickup: {}: could not play the pickup sound '{}'",
            session.name(),
            quote(sound)
        ));
    }
}
