//! BLF: the device state `GroupPickup:<number>` is RINGING while a pickable
//! call rings in the group and NOT_INUSE otherwise. Changes are published as
//! they happen; Asterisk asks [`device_state`] when it has no cached state.

use super::shim::{self, gp_lamp};
use super::{cstring, module};
use grouppickup_core::arbiter::Arbiter;
use grouppickup_core::number::GroupNumber;

fn publish(group: &GroupNumber, ringing: bool) {
    let number = cstring(&group.to_string());
    unsafe { shim::gp_device_state_changed(number.as_ptr(), ringing as i32) };
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
