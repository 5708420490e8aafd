//! The GroupPickup(number) application: ask the core for the call that has
//! rung longest, pick it up with Asterisk's own pickup, try the next call if
//! that one just went away.

use super::shim::{self, ast_channel, gp_pickup_result};
use super::{log, module};
use crate::core::arbiter::{Picker, Registry};
use crate::core::ringing::Claim;
use crate::core::stats::Failure;
use std::ffi::{c_char, CString};

fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap_or_default()
}

fn channel_name(chan: *mut ast_channel) -> String {
    let mut buf = [0 as c_char; 256];
    unsafe {
        shim::gp_channel_name(chan, buf.as_mut_ptr(), buf.len());
        std::ffi::CStr::from_ptr(buf.as_ptr())
            .to_string_lossy()
            .into_owned()
    }
}

/// Runs the application; returns what Asterisk expects from it: -1 after a
/// pickup (the picker's channel now is the caller's peer), 0 to go on in the
/// dialplan after a failure.
pub fn exec(chan: *mut ast_channel, data: &str) -> i32 {
    let picker = Picker {
        channel: channel_name(chan),
    };
    let Some(module) = module::get() else {
        set_status(chan, Failure::Failed);
        return 0;
    };
    let config = module.registry.config();
    match pick(
        &module.registry,
        chan,
        data,
        &picker,
        &config.general.pickupsound,
    ) {
        Ok(claim) => {
            log::notice(&format!(
                "grouppickup: {} picked up the call from {} to {} in group {} after {} ms",
                picker.channel,
                claim.caller_number,
                claim.user,
                claim.group,
                claim.since.elapsed().as_millis()
            ));
            -1
        }
        Err(failure) => {
            log::verbose(&format!(
                "grouppickup: {} dialed '{}': {}",
                picker.channel,
                data.escape_default(),
                match failure {
                    Failure::NoCall => "no pickable call is ringing in that group",
                    Failure::Invalid => "not a group number of any configured range",
                    Failure::Denied => "this picker is not allowed to pick up in that group",
                    Failure::Failed => "the pickup could not be completed",
                }
            ));
            set_status(chan, failure);
            let sound = cstring(&config.general.pickupfailsound);
            unsafe { shim::gp_channel_play(chan, sound.as_ptr()) };
            0
        }
    }
}

fn set_status(chan: *mut ast_channel, failure: Failure) {
    let name = cstring("GROUPPICKUP_STATUS");
    let value = cstring(failure.as_str());
    unsafe { shim::gp_channel_setvar(chan, name.as_ptr(), value.as_ptr()) };
}

fn pick(
    registry: &Registry,
    chan: *mut ast_channel,
    dialed: &str,
    picker: &Picker,
    sound: &str,
) -> Result<Claim, Failure> {
    let sound = cstring(sound);
    let mut claim = registry.begin(dialed, picker)?;
    loop {
        let mut result = gp_pickup_result::GP_PICKUP_GONE as i32;
        for leg in &claim.legs {
            let (name, uniqueid) = (cstring(&leg.name), cstring(&leg.uniqueid));
            result = unsafe {
                shim::gp_pickup_leg(chan, name.as_ptr(), uniqueid.as_ptr(), sound.as_ptr())
            };
            if result != gp_pickup_result::GP_PICKUP_GONE as i32 {
                break;
            }
        }
        match result {
            r if r == gp_pickup_result::GP_PICKUP_DONE as i32 => {
                registry.picked(&claim);
                return Ok(claim);
            }
            r if r == gp_pickup_result::GP_PICKUP_FAILED as i32 => {
                registry.release(&claim, Failure::Failed);
                return Err(Failure::Failed);
            }
            _ => {
                // Answered or hung up a moment ago: the next one, if any.
                registry.unavailable(&claim);
                claim = registry.next(&claim.group)?;
            }
        }
    }
}
