//! `notify_message = yes`: after a pickup, the callee's devices also get a
//! text message (a SIP MESSAGE for PJSIP) naming the caller and the picker.

use super::channels::message_destinations;
use super::{cstring, log, shim};
use grouppickup_core::notify;
use grouppickup_core::ringing::Claim;

pub fn send(claim: &Claim, picker: &str) {
    let body = cstring(&notify::body(claim, picker));
    for to in message_destinations(claim) {
        let c_to = cstring(&to);
        if unsafe { shim::gp_message_send(c_to.as_ptr(), body.as_ptr()) } != 0 {
            log::warning(&format!(
                "grouppickup: could not send the pickup message to {to} (is a message technology such as res_pjsip_messaging loaded?)"
            ));
        }
    }
}
