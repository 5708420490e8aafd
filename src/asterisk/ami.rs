//! The AMI actions GroupPickupShow, GroupPickupSetUser,
//! GroupPickupClearUser and GroupPickupResetUser, and the events GroupPickup and GroupPickupFailed.
//! The actions are declared once, in [`ACTIONS`] (name and permission
//! classes); the shim registers them from it at load, and Asterisk checks a
//! request's write class before it gets here.

use super::ami_texts::{self as ami, Headers};
use super::assignments;
use super::host::ami::{self as host, Session};
use super::host::{AmiAction, AmiClass as Class};
use super::module::{self, Module};
use std::ffi::CStr;

/// One AMI action. Its help is not here: Asterisk finds it in
/// doc/grouppickup-en_US.xml by the action's name, and only when the
/// action is registered without a synopsis of its own.
struct Action {
    /// A C string that lives as long as the module is mapped.
    name: &'static CStr,
    /// A manager user needs one of these in its `write =`.
    classes: &'static [Class],
    /// Answers the request, given its `User` and `Group` headers.
    run: fn(&Module, &Session<'_>, &str, &str),
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
    Action {
        name: c"GroupPickupResetUser",
        classes: &[Class::GP_AMI_CLASS_CONFIG],
        run: reset_user,
    },
];

/// How many actions there are.
pub fn count() -> usize {
    ACTIONS.len()
}

/// The name and permission classes of action `index`, for the shim to
/// register; `None` for no such action.
pub fn describe(index: usize) -> Option<AmiAction> {
    let action = ACTIONS.get(index)?;
    Some(host::action(action.name, action.classes))
}

/// Answers a request for action `index`.
pub fn run(index: usize, session: &Session<'_>, user: &str, group: &str) {
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

fn answer(session: &Session<'_>, result: Result<String, String>) {
    match result {
        Ok(message) => ack(session, message.trim_end()),
        Err(e) => error(session, &e),
    }
}

fn show(module: &Module, session: &Session<'_>, _user: &str, group: &str) {
    let only = (!group.trim().is_empty()).then_some(group);
    match ami::show(&module.arbiter, only) {
        Ok(items) => list(session, &items),
        Err(e) => error(session, &e),
    }
}

fn set_user(module: &Module, session: &Session<'_>, user: &str, group: &str) {
    answer(
        session,
        require("User", user)
            .and(require("Group", group))
            .and_then(|_| assignments::set(module, user, group)),
    )
}

fn clear_user(module: &Module, session: &Session<'_>, user: &str, _group: &str) {
    answer(
        session,
        require("User", user).and_then(|_| assignments::clear(module, user)),
    )
}

fn reset_user(module: &Module, session: &Session<'_>, user: &str, _group: &str) {
    answer(
        session,
        require("User", user).and_then(|_| assignments::reset(module, user)),
    )
}

fn error(session: &Session<'_>, message: &str) {
    session.error(&ami::one_line(message));
}

fn ack(session: &Session<'_>, message: &str) {
    session.ack(&ami::one_line(message));
}

fn list(session: &Session<'_>, items: &[ami::Item]) {
    session.list_start("Group pickup groups and calls will follow");
    for (event, headers) in items {
        session.list_item(event, &headers.render());
    }
    session.list_end("GroupPickupShowComplete", items.len());
}

/// Sends an event of class `call` to every AMI session allowed to read it.
pub fn event(name: &str, headers: &Headers) {
    host::event(name, &headers.render());
}
