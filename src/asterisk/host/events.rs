//! Channel events (shim/events.c): a leg's state change, and the replay of
//! the legs ringing now.

use super::bindings::{self, gp_leg_event};
use super::text::from_c;
use std::borrow::Cow;

/// A channel state change of a leg, as the shim reports it.
pub struct Leg<'a> {
    pub uniqueid: Cow<'a, str>,
    pub name: Cow<'a, str>,
    pub linkedid: Cow<'a, str>,
    pub caller_number: Cow<'a, str>,
    pub caller_name: Cow<'a, str>,
    /// The application that created the leg (`AppDial`, `AppQueue`).
    pub appl: Cow<'a, str>,
    pub exten: Cow<'a, str>,
    /// Ringing (the device sent 180) and not hung up.
    pub ringing: bool,
}

impl<'a> Leg<'a> {
    /// # Safety
    /// The event's strings are NULL or C strings that live for `'a`.
    pub(super) unsafe fn from_c(event: &'a gp_leg_event) -> Self {
        let text = |ptr| unsafe { from_c(ptr) };
        Leg {
            uniqueid: text(event.uniqueid),
            name: text(event.name),
            linkedid: text(event.linkedid),
            caller_number: text(event.caller_number),
            caller_name: text(event.caller_name),
            appl: text(event.appl),
            exten: text(event.exten),
            ringing: event.ringing != 0,
        }
    }
}

/// Reports every leg ringing now, oldest first, through the leg events.
pub fn replay() {
    unsafe { bindings::gp_events_replay() }
}
