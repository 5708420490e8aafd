//! BLF: the device state `GroupPickup:<number>` is RINGING while a pickable
//! call rings in the group and NOT_INUSE otherwise. Changes are published as
//! they happen; Asterisk asks [`device_state`] when it has no cached state.

use super::host::{devstate, Lamp as gp_lamp};
use super::module;
use grouppickup_core::arbiter::Arbiter;
use grouppickup_core::number::GroupNumber;

fn publish(group: &GroupNumber, ringing: bool) {
    devstate::changed(&group.to_string(), ringing);
}

/// Publishes the lamps of `groups` that changed.
pub fn update(arbiter: &Arbiter, groups: impl IntoIterator<Item = GroupNumber>) {
    arbiter.update_lamps(groups, publish);
}

/// After a configuration or assignment change: every lamp that may differ.
pub fn refresh(arbiter: &Arbiter) {
    arbiter.update_lamps(arbiter.lamp_groups(), publish);
}

pub fn all_off(arbiter: &Arbiter) {
    arbiter.lamps_off(publish);
}

pub fn device_state(number: &str) -> gp_lamp {
    let Some(module) = module::get() else {
        return gp_lamp::GP_LAMP_INVALID;
    };
    let arbiter = &module.arbiter;
    match arbiter.config().resolve(number) {
        Some(group) if arbiter.ringing_in(&group) > 0 => gp_lamp::GP_LAMP_RINGING,
        Some(_) => gp_lamp::GP_LAMP_IDLE,
        None => gp_lamp::GP_LAMP_INVALID,
    }
}
