//! Group numbers as dialplan extensions: every number of every range is an
//! extension of the configured context running `GroupPickup(<number>)`,
//! registered under this module's own registrar so that reload and unload
//! remove exactly these and nothing else.

use super::{cstring, log, shim};
use crate::core::config::Config;
use std::ffi::CString;

/// The extensions (and hints) this module added, to remove them again.
#[derive(Default)]
pub struct Registered {
    context: String,
    extens: Vec<CString>,
    hints: Vec<CString>,
}

pub fn register(config: &Config) -> Registered {
    let context = cstring(&config.general.context);
    let app = cstring("GroupPickup");
    let mut registered = Registered {
        context: config.general.context.clone(),
        extens: Vec::new(),
        hints: Vec::new(),
    };
    if unsafe { shim::gp_context_create(context.as_ptr()) } != 0 {
        log::error(&format!(
            "grouppickup: could not create dialplan context '{}'; group numbers are not dialable",
            config.general.context
        ));
        return registered;
    }
    let mut collisions = Vec::new();
    for range in config.ranges.iter() {
        for number in range.numbers() {
            let exten = cstring(&number.to_string());
            if unsafe { shim::gp_extension_exists(context.as_ptr(), exten.as_ptr()) } != 0 {
                collisions.push(number.to_string());
                continue;
            }
            let added = unsafe {
                shim::gp_extension_add(
                    context.as_ptr(),
                    exten.as_ptr(),
                    app.as_ptr(),
                    exten.as_ptr(),
                )
            };
            if added != 0 {
                collisions.push(number.to_string());
                continue;
            }
            // With blf = yes a phone can subscribe to the number: its BLF
            // lamp follows the device state GroupPickup:<number>.
            if config.general.blf {
                let device = cstring(&format!("GroupPickup:{number}"));
                if unsafe { shim::gp_hint_add(context.as_ptr(), exten.as_ptr(), device.as_ptr()) }
                    == 0
                {
                    registered.hints.push(exten.clone());
                }
            }
            registered.extens.push(exten);
        }
    }
    if !collisions.is_empty() {
        let shown: Vec<&str> = collisions.iter().take(10).map(String::as_str).collect();
        log::warning(&format!(
            "grouppickup: {} group number(s) collide with existing extensions in context '{}' and were not registered: {}{} (a group number must not be a real extension)",
            collisions.len(),
            config.general.context,
            shown.join(", "),
            if collisions.len() > shown.len() { ", ..." } else { "" }
        ));
    }
    log::verbose(&format!(
        "grouppickup: registered {} group number(s) and {} hint(s) in context '{}'",
        registered.extens.len(),
        registered.hints.len(),
        config.general.context
    ));
    registered
}

pub fn unregister(registered: Registered) {
    let context = cstring(&registered.context);
    for exten in &registered.hints {
        unsafe { shim::gp_hint_remove(context.as_ptr(), exten.as_ptr()) };
    }
    for exten in &registered.extens {
        unsafe { shim::gp_extension_remove(context.as_ptr(), exten.as_ptr()) };
    }
}
