//! The AMI actions GroupPickupShow, GroupPickupSetUser and
//! GroupPickupClearUser, and the events GroupPickup and GroupPickupFailed.
//! The actions are declared once, in [`ACTIONS`] (name and permission
//! classes); the shim registers them from it at load, and Asterisk checks a
//! request's write class before it gets here.

use super::ami_texts::{self as ami, Headers};
use super::module::{self, Module};
use super::shim::{self, gp_ami_action, gp_ami_class as Class, gp_ami_session};
use super::{assignments, cstring};
use std::ffi::{c_int, CStr};

type Session = *mut gp_ami_session;

/// One AMI action. Its help is not here: Asterisk finds it in
/// doc/grouppickup-en_US.xml by the action's name, and only when the
/// action is registered without a synopsis of its own.
struct Action {
    /// A C string that lives as long as the module is mapped.
    name: &'static CStr,
    /// A manager user needs one of these in its `write =`.
    classes: &'static [Class],
    /// Answers the request, given its `User` and `Group` headers.
    run: fn(&Module, Session, &str, &str),
}

/// Every action, in the order the shim registers them.
static ACTIONS: &[Action] = &[
    Action {
        name: c"GroupPickupShow",
        classes: &[Class::GP_AMI_CLASS_CALL, Class::GP_AMI_CLASS_REPORTING],
        run: show,
    },
    Action {
        name: c"GroupPickupSetUser",
        classes: &[Class::GP_AMI_CLASS_CONFIG],
        run: set_user,
    },
    Action {
        name: c"GroupPickupClearUser",
        classes: &[Class::GP_AMI_CLASS_CONFIG],
        run: clear_user,
    },
];

/// How many actions there are.
pub fn count() -> usize {
    ACTIONS.len()
}

/// The name and permission classes of action `index`, for the shim to
/// register; `None` for no such action.
pub fn describe(index: usize) -> Option<gp_ami_action> {
    let action = ACTIONS.get(index)?;
    Some(gp_ami_action {
        name: action.name.as_ptr(),
        classes: action
            .classes
            .iter()
            .fold(0, |classes, &class| classes | class as c_int),
    })
}

/// Answers a request for action `index`.
pub fn run(index: usize, session: Session, user: &str, group: &str) {
    let Some(action) = ACTIONS.get(index) else {
        return error(session, "unknown action");
    };
    let Some(module) = module::get() else {
        return error(session, "grouppickup is not loaded");
    };
    (action.run)(&module, session, user, group)
}

fn require(name: &str, value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err(format!("{name}: header is required"))
    } else {
        Ok(())
    }
}

fn answer(session: Session, result: Result<String, String>) {
    match result {
        Ok(message) => ack(session, message.trim_end()),
        Err(e) => error(session, &e),
    }
}

fn show(module: &Module, session: Session, _user: &str, group: &str) {
    let only = (!group.trim().is_empty()).then_some(group);
    match ami::show(&module.arbiter, only) {
        Ok(items) => list(session, &items),
        Err(e) => error(session, &e),
    }
}

fn set_user(module: &Module, session: Session, user: &str, group: &str) {
    answer(
        session,
        require("User", user)
            .and(require("Group", group))
            .and_then(|_| assignments::set(module, user, group)),
    )
}

fn clear_user(module: &Module, session: Session, user: &str, _group: &str) {
    answer(
        session,
        require("User", user).and_then(|_| assignments::clear(module, user)),
    )
}

fn error(session: Session, message: &str) {
    let message = cstring(&ami::one_line(message));
    unsafe { shim::gp_ami_error(session, message.as_ptr()) };
}

fn ack(session: Session, message: &str) {
    let message = cstring(&ami::one_line(message));
    unsafe { shim::gp_ami_ack(session, message.as_ptr()) };
}

fn list(session: Session, items: &[ami::Item]) {
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
