//! The GroupPickup(number) application: ask the core for the call that has
//! rung longest, pick it up with Asterisk's own pickup, try the next call if
//! that one just went away. Every outcome is logged, counted and sent as an
//! AMI event; the callee's lamp and (optionally) a message follow.

use super::shim::{self, ast_channel, gp_pickup_result};
use super::{ami, cstring, lamps, log, module, notify};
use grouppickup_core::ami as texts;
use grouppickup_core::arbiter::{Picker, Registry};
use grouppickup_core::config::Config;
use grouppickup_core::device::device_of_channel;
use grouppickup_core::number::GroupNumber;
use grouppickup_core::quote::quote;
use grouppickup_core::ringing::{Claim, Leg};
use grouppickup_core::stats::Failure;
use grouppickup_core::view::caller_id;
use std::ffi::{c_char, CStr};

fn buffer_text(buf: &[c_char]) -> String {
    unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

fn channel_name(chan: *mut ast_channel) -> String {
    let mut buf = [0 as c_char; 256];
    unsafe { shim::gp_channel_name(chan, buf.as_mut_ptr(), buf.len()) };
    buffer_text(&buf)
}

/// Who picked up, as the callee should read it: the picker's user name, or
/// else its caller ID, or else its channel.
fn picker_display(chan: *mut ast_channel, picker: &Picker, config: &Config) -> String {
    if let Some(user) = device_of_channel(&picker.channel).and_then(|d| config.user_of_device(d)) {
        return user.name.to_string();
    }
    let (mut name, mut number) = ([0 as c_char; 128], [0 as c_char; 64]);
    unsafe {
        shim::gp_channel_callerid(
            chan,
            name.as_mut_ptr(),
            name.len(),
            number.as_mut_ptr(),
            number.len(),
        )
    };
    let shown = caller_id(&buffer_text(&name), &buffer_text(&number));
    if shown.is_empty() {
        picker.channel.clone()
    } else {
        shown
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
    let registry = &module.registry;
    let config = registry.config();
    let result = pick(registry, chan, data, &picker, &config.general.pickupsound);
    match &result {
        Ok((claim, _)) => lamps::update(registry, [claim.group]),
        Err((Some(group), _)) => lamps::update(registry, [*group]),
        Err((None, _)) => {}
    }
    match result {
        Ok((claim, target)) => {
            log::notice(&format!(
                "grouppickup: {} picked up the call from {} to {} in group {} after {} ms",
                picker.channel,
                claim.caller_number,
                claim.user,
                claim.group,
                claim.since.elapsed().as_millis()
            ));
            ami::event(
                "GroupPickup",
                &texts::pickup_event(&claim, &picker.channel, &target.name),
            );
            if config.general.notify_message {
                notify::send(&claim, &picker_display(chan, &picker, &config));
            }
            -1
        }
        Err((_, failure)) => {
            log::verbose(&format!(
                "grouppickup: {} dialed '{}': {}",
                picker.channel,
                quote(data),
                match failure {
                    Failure::NoCall => "no pickable call is ringing in that group",
                    Failure::Invalid => "not a group number of any configured range",
                    Failure::Denied => "this picker is not allowed to pick up in that group",
                    Failure::Failed => "the pickup could not be completed",
                }
            ));
            ami::event(
                "GroupPickupFailed",
                &texts::failed_event(data, &picker.channel, failure.as_str()),
            );
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

/// The call picked up and the leg it was picked up through; or why not,
/// with the group of the last call claimed, if any (its lamp may have
/// changed).
type Picked = Result<(Claim, Leg), (Option<GroupNumber>, Failure)>;

fn pick(
    registry: &Registry,
    chan: *mut ast_channel,
    dialed: &str,
    picker: &Picker,
    sound: &str,
) -> Picked {
    let sound = cstring(sound);
    let mut claim = registry.begin(dialed, picker).map_err(|f| (None, f))?;
    // Answer the picker before touching the call: Asterisk's pickup would
    // otherwise answer it after taking the call, waiting up to half a second
    // for media, and a callee answering in that time would have the call
    // taken from them. Answered first, the leg is re-checked right before
    // the pickup: if the callee answered meanwhile, the callee keeps it.
    if unsafe { shim::gp_channel_answer(chan) } != 0 {
        registry.release(&claim, Failure::Failed);
        return Err((Some(claim.group), Failure::Failed));
    }
    loop {
        let mut result = gp_pickup_result::GP_PICKUP_GONE as i32;
        let mut target = None;
        for leg in &claim.legs {
            let (name, uniqueid) = (cstring(&leg.name), cstring(&leg.uniqueid));
            result = unsafe {
                shim::gp_pickup_leg(chan, name.as_ptr(), uniqueid.as_ptr(), sound.as_ptr())
            };
            if result != gp_pickup_result::GP_PICKUP_GONE as i32 {
                target = Some(leg.clone());
                break;
            }
        }
        match (result, target) {
            (r, Some(target)) if r == gp_pickup_result::GP_PICKUP_DONE as i32 => {
                registry.picked(&claim);
                return Ok((claim, target));
            }
            (r, _) if r == gp_pickup_result::GP_PICKUP_FAILED as i32 => {
                registry.release(&claim, Failure::Failed);
                return Err((Some(claim.group), Failure::Failed));
            }
            _ => {
                // Answered or hung up a moment ago: the next one, if any.
                registry.unavailable(&claim);
                let group = claim.group;
                claim = match registry.next(&group) {
                    Ok(next) => next,
                    Err(failure) => return Err((Some(group), failure)),
                };
            }
        }
    }
}

/// Benchmark builds: what [`pick`] does to find its target (resolve the
/// number, claim the oldest call, look its leg's channel up by name), with
/// the claim given back afterwards. True when a target was found.
#[cfg(feature = "bench")]
pub fn find_only(chan: *mut ast_channel, dialed: &str) -> bool {
    let picker = Picker {
        channel: channel_name(chan),
    };
    let Some(module) = module::get() else {
        return false;
    };
    let Ok(claim) = module.registry.begin(dialed, &picker) else {
        return false;
    };
    let found = claim.legs.iter().any(|leg| {
        let name = cstring(&leg.name);
        unsafe { shim::gp_bench_channel_lookup(name.as_ptr()) == 0 }
    });
    module.registry.release(&claim, Failure::Failed);
    found
}
