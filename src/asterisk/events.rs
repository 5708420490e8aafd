//! Channel state events from Asterisk into the ringing registry.

use super::{cstring, lamps, log, module, shim};
use grouppickup_core::arbiter::{LegChange, LegEvent};
use grouppickup_core::ring_time::RingTime;

pub fn on_leg(event: &LegEvent<'_>) {
    let Some(module) = module::get() else {
        return;
    };
    let arbiter = &module.arbiter;
    // Most channels that ring belong to nobody in a group: the core asks
    // Asterisk about GROUPPICKUP_EXCLUDE (a channel lookup) only for the
    // others.
    let excluded = || {
        let name = cstring(event.name);
        unsafe { shim::gp_leg_excluded(name.as_ptr()) != 0 }
    };
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
