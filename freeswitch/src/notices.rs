//! What the module tells the rest of FreeSWITCH: the CUSTOM events
//! `grouppickup::pickup` and `grouppickup::failed`, and the presence of
//! group numbers for BLF (early while a pickable call rings, terminated
//! otherwise).

use super::host;
use super::module::Module;
use grouppickup_core::number::GroupNumber;
use grouppickup_core::ring_time::RingTime;
use grouppickup_core::ringing::{Claim, Leg};

pub fn picked(picker_uuid: &str, claim: &Claim, leg: &Leg) {
    let ms = claim.rang_at.elapsed_at(RingTime::now()).as_millis();
    host::fire_custom(
        "grouppickup::pickup",
        &[
            ("Group", claim.group.to_string()),
            ("Picker-UUID", picker_uuid.to_string()),
            ("Target-UUID", leg.id.clone()),
            ("Callee", claim.user.clone()),
            ("Caller-ID-Number", claim.caller_number.clone()),
            ("Caller-ID-Name", claim.caller_name.clone()),
            ("Ring-Time-Ms", ms.to_string()),
        ],
    );
}

pub fn failed(group: &str, picker_uuid: &str, reason: &str) {
    host::fire_custom(
        "grouppickup::failed",
        &[
            ("Group", group.to_string()),
            ("Picker-UUID", picker_uuid.to_string()),
            ("Reason", reason.to_string()),
        ],
    );
}

fn publisher(module: &Module) -> impl FnMut(&GroupNumber, bool) + '_ {
    let blf = module.arbiter.config().general.blf;
    move |group: &GroupNumber, ringing: bool| {
        if blf {
            host::presence(&group.to_string(), &module.domain, ringing);
        }
    }
}

/// Publishes the presence of `groups` whose state changed.
pub fn lamps(module: &Module, groups: impl IntoIterator<Item = GroupNumber>) {
    module.arbiter.update_lamps(groups, publisher(module));
}

/// After a configuration or assignment change: every group that may differ.
pub fn refresh_lamps(module: &Module) {
    let groups = module.arbiter.lamp_groups();
    module.arbiter.update_lamps(groups, publisher(module));
}

pub fn lamps_off(module: &Module) {
    module.arbiter.lamps_off(publisher(module));
}
