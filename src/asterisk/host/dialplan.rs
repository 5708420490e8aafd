//! The dialplan (shim/dialplan.c): a context, its extensions and hints,
//! all under this module's registrar.

use super::bindings;
use super::text::{from_c, to_c};

/// Creates `context` unless it exists; true when it is there.
pub fn create_context(context: &str) -> bool {
    let context = to_c(context);
    unsafe { bindings::gp_context_create(context.as_ptr()) == 0 }
}

/// The plain (non-pattern) extensions of `context`, one per line, each
/// preceded by `o` when all its priorities are this module's and `f` when
/// not; empty when Asterisk is out of memory.
pub fn plain_extensions(context: &str) -> String {
    let context = to_c(context);
    let text = unsafe { bindings::gp_context_extensions(context.as_ptr()) };
    if text.is_null() {
        return String::new();
    }
    let list = unsafe { from_c(text) }.into_owned();
    unsafe { bindings::gp_text_free(text) };
    list
}

/// Adds `exten` running `app(data)`; true when added.
pub fn add_extension(context: &str, exten: &str, app: &str, data: &str) -> bool {
    let (context, exten, app, data) = (to_c(context), to_c(exten), to_c(app), to_c(data));
    unsafe {
        bindings::gp_extension_add(
            context.as_ptr(),
            exten.as_ptr(),
            app.as_ptr(),
            data.as_ptr(),
        ) == 0
    }
}

pub fn remove_extension(context: &str, exten: &str) {
    let (context, exten) = (to_c(context), to_c(exten));
    unsafe { bindings::gp_extension_remove(context.as_ptr(), exten.as_ptr()) };
}

/// A hint: `exten` shows the state of `device`; true when added.
pub fn add_hint(context: &str, exten: &str, device: &str) -> bool {
    let (context, exten, device) = (to_c(context), to_c(exten), to_c(device));
    unsafe { bindings::gp_hint_add(context.as_ptr(), exten.as_ptr(), device.as_ptr()) == 0 }
}

pub fn remove_hint(context: &str, exten: &str) {
    let (context, exten) = (to_c(context), to_c(exten));
    unsafe { bindings::gp_hint_remove(context.as_ptr(), exten.as_ptr()) };
}
