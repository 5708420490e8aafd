//! Text messages (shim/message.c).

use super::bindings;
use super::text::to_c;

/// Sends `body` to `to` (a SIP MESSAGE for `pjsip:`); true when sent.
pub fn send(to: &str, body: &str) -> bool {
    let (to, body) = (to_c(to), to_c(body));
    unsafe { bindings::gp_message_send(to.as_ptr(), body.as_ptr()) == 0 }
}
