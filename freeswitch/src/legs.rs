//! The ringing index, fed from FreeSWITCH's channel events: an outbound leg
//! that reached 180/183 towards a configured user's device starts ringing;
//! its answer, hangup or destruction stops it. Every fact is read from the
//! live session (located, so it cannot go away meanwhile), since events
//! arrive a moment after the fact.

use super::host::Session;
use super::module::{self, Module};
use super::notices;
use grouppickup_core::arbiter::{LegChange, LegEvent, Origin};
use grouppickup_core::config::parse_bool;
use grouppickup_core::ring_time::RingTime;

/// The channel variable that marks a call as never pickable.
pub const EXCLUDE_VAR: &str = "grouppickup_exclude";

/// The device a leg goes to, as users' `endpoint` name it: `user/<id>@<domain>`
/// for a leg dialed through FreeSWITCH's directory.
pub fn device_of_leg(leg: &Session) -> Option<String> {
    let user = leg.var("dialed_user")?;
    let domain = leg.var("dialed_domain")?;
    Some(format!("user/{user}@{domain}"))
}

/// The device a picker dials from: its directory user when the call was
/// authenticated, else the user and host of its From.
pub fn device_of_caller(chan: &Session) -> Option<String> {
    if let (Some(user), Some(domain)) = (chan.var("user_name"), chan.var("domain_name")) {
        return Some(format!("user/{user}@{domain}"));
    }
    let user = chan.var("sip_from_user")?;
    let host = chan.var("sip_from_host")?;
    Some(format!("user/{user}@{host}"))
}

fn excluded(session: &Session) -> bool {
    session
        .var(EXCLUDE_VAR)
        .and_then(|v| parse_bool(&v))
        .unwrap_or(false)
}

pub fn ringing(uuid: &str) {
    let Some(module) = module::get() else { return };
    let Some(leg) = Session::locate(uuid) else {
        return;
    };
    let state = leg.state();
    if !state.outbound() || !state.pickable() {
        return;
    }
    let Some(device) = device_of_leg(&leg) else {
        return;
    };
    if !module.arbiter.may_track(&device) {
        return;
    }
    // The caller's leg: the call's key, who calls, and what was dialed.
    let caller_uuid = leg.var("originator");
    let caller = caller_uuid.as_deref().and_then(Session::locate);
    let origin = match &caller {
        None => Origin::Other,
        Some(c) if c.var("cc_queue").is_some() || c.var("fifo_name").is_some() => Origin::Queue,
        Some(_) => Origin::Dial,
    };
    let of_caller = |name: &str| {
        caller
            .as_ref()
            .and_then(|c| c.var(name))
            .unwrap_or_default()
    };
    let (number, caller_name, dialed) = (
        of_caller("caller_id_number"),
        of_caller("caller_id_name"),
        of_caller("destination_number"),
    );
    // The event's only input a caller controls (a fault-injection build
    // panics on `!panic`).
    grouppickup_core::guard::fault_point(&caller_name);
    let name = leg.name();
    let call = caller_uuid.unwrap_or_default();
    let event = LegEvent {
        leg: uuid,
        name: &name,
        device: &device,
        call: &call,
        caller_number: &number,
        caller_name: &caller_name,
        origin,
        dialed: &dialed,
        ringing: true,
    };
    let change = module.arbiter.on_leg(&event, RingTime::now(), || {
        excluded(&leg) || caller.as_ref().is_some_and(excluded)
    });
    changed(&module, change);
}

pub fn stopped(uuid: &str) {
    let Some(module) = module::get() else { return };
    let event = LegEvent {
        leg: uuid,
        ringing: false,
        ..LegEvent::default()
    };
    let change = module.arbiter.on_leg(&event, RingTime::now(), || false);
    changed(&module, change);
}

fn changed(module: &Module, change: LegChange) {
    match change {
        LegChange::CallRinging(group) | LegChange::LegStopped(Some(group)) => {
            notices::lamps(module, [group])
        }
        _ => {}
    }
}
