//! `notify_message = yes`: after a pickup, the callee's devices also get a
//! text message (a SIP MESSAGE for PJSIP) naming the caller and the picker.

use super::channels::message_destinations;
use super::host::message;
use super::log;
use grouppickup_core::notify;
use grouppickup_core::ringing::Claim;

pub fn send(claim: &Claim, picker: &str) {
    let body = notify::body(claim, picker);
    for to in message_destinations(claim) {
        if !message::send(&to, &body) {
            log::warning(&format!(
                "grouppickup: could not send the pickup message to {to} (is a message technology such as res_pjsip_messaging loaded?)"
            ));
        }
    }
}
