//! Channel state events from Asterisk into the ringing registry.

use super::channels::{device_of_channel, origin};
use super::host::channel;
use super::host::events::Leg;
use super::{lamps, log, module};
use grouppickup_core::arbiter::{LegChange, LegEvent};
use grouppickup_core::ring_time::RingTime;

pub fn on_leg(leg: &Leg<'_>) {
    let Some(module) = module::get() else {
        return;
    };
    let event = &LegEvent {
        leg: &leg.uniqueid,
        name: &leg.name,
        device: device_of_channel(&leg.name).unwrap_or(""),
        call: &leg.linkedid,
        caller_number: &leg.caller_number,
        caller_name: &leg.caller_name,
        origin: origin(&leg.appl),
        dialed: &leg.exten,
        ringing: leg.ringing,
    };
    let arbiter = &module.arbiter;
    // Most channels that ring belong to nobody in a group: the core asks
    // Asterisk about GROUPPICKUP_EXCLUDE (a channel lookup) only for the
    // others.
    let excluded = || channel::excluded(event.name);
    let change = arbiter.on_leg(event, RingTime::now(), excluded);
    match &change {
        LegChange::CallRinging(group) | LegChange::LegStopped(Some(group)) => {
            lamps::update(&module.arbiter, [*group])
        }
        _ => {}
    }
    match change {
        LegChange::CallRinging(group) => log::debug(&format!(
            "grouppickup: {} rings in group {group} (caller {})",
            event.name, event.caller_number
        )),
        LegChange::LegAdded(group) => log::debug(&format!(
            "grouppickup: {} also rings for its call in group {group}",
            event.name
        )),
        LegChange::LegStopped(_) => {
            log::debug(&format!("grouppickup: {} stopped ringing", event.name))
        }
        LegChange::Ignored => {}
    }
}
