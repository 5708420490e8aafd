//! The AMI actions GroupPickupShow, GroupPickupSetUser and
//! GroupPickupClearUser, and the events GroupPickup and GroupPickupFailed.
//! The shim checks the `config` write class of the last two actions before
//! they get here.

use super::ami_texts::{self as ami, Headers};
use super::shim::{self, gp_ami_action as Action, gp_ami_session};
use super::{assignments, cstring, module};

pub fn run(action: i32, session: *mut gp_ami_session, user: &str, group: &str) {
    let Some(module) = module::get() else {
        return error(session, "grouppickup is not loaded");
    };
    let require = |name: &str, value: &str| {
        if value.trim().is_empty() {
            Err(format!("{name}: header is required"))
        } else {
            Ok(())
        }
    };
    let answer = |result: Result<String, String>| match result {
        Ok(message) => ack(session, message.trim_end()),
        Err(e) => error(session, &e),
    };
    match action {
        a if a == Action::GP_AMI_SHOW as i32 => {
            let only = (!group.trim().is_empty()).then_some(group);
            match ami::show(&module.registry, only) {
                Ok(items) => list(session, &items),
                Err(e) => error(session, &e),
            }
        }
        a if a == Action::GP_AMI_SET_USER as i32 => answer(
            require("User", user)
                .and(require("Group", group))
                .and_then(|_| assignments::set(&module, user, group)),
        ),
        a if a == Action::GP_AMI_CLEAR_USER as i32 => {
            answer(require("User", user).and_then(|_| assignments::clear(&module, user)))
        }
        _ => error(session, "unknown action"),
    }
}

fn error(session: *mut gp_ami_session, message: &str) {
    let message = cstring(&ami::one_line(message));
    unsafe { shim::gp_ami_error(session, message.as_ptr()) };
}

fn ack(session: *mut gp_ami_session, message: &str) {
    let message = cstring(&ami::one_line(message));
    unsafe { shim::gp_ami_ack(session, message.as_ptr()) };
}

fn list(session: *mut gp_ami_session, items: &[ami::Item]) {
    let start = cstring("Group pickup groups and calls will follow");
    unsafe { shim::gp_ami_list_start(session, start.as_ptr()) };
    for (event, headers) in items {
        let (event, headers) = (cstring(event), cstring(&headers.render()));
        unsafe { shim::gp_ami_list_item(session, event.as_ptr(), headers.as_ptr()) };
    }
    let complete = cstring("GroupPickupShowComplete");
    unsafe {
        shim::gp_ami_list_end(
            session,
            complete.as_ptr(),
            items.len().min(i32::MAX as usize) as i32,
        )
    };
}

/// Sends an event of class `call` to every AMI session allowed to read it.
pub fn event(name: &str, headers: &Headers) {
    let (name, headers) = (cstring(name), cstring(&headers.render()));
    unsafe { shim::gp_ami_event(name.as_ptr(), headers.as_ptr()) };
}
