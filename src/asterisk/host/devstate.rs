//! The `GroupPickup:<number>` device-state provider (shim/devstate.c).

use super::bindings;
use super::text::to_c;
use std::ffi::c_int;

/// Publishes the state of device `GroupPickup:<number>`.
pub fn changed(number: &str, ringing: bool) {
    let number = to_c(number);
    unsafe { bindings::gp_device_state_changed(number.as_ptr(), c_int::from(ringing)) };
}
