//! Group numbers in the dialplan: each range becomes a few extension
//! patterns (`_*1XXXX` for `*10000`–`*19999`, see `patterns.rs`) in the
//! configured context, running `GroupPickup(${EXTEN})`, with a pattern hint
//! `GroupPickup:${EXTEN}` when `blf = yes`. Asterisk turns a pattern hint
//! into a hint for one number when a phone subscribes to it.
//!
//! Everything is registered under this module's own registrar, so reload
//! and unload remove exactly these and nothing else. A reload changes only
//! what changed: patterns and hints that stay are left alone, so phones
//! keep their BLF subscriptions.

use super::patterns::{is_number_of, range_patterns};
use super::{cstring, log, shim};
use grouppickup_core::config::Config;
use std::ffi::{CStr, CString};

const APP: &str = "GroupPickup";
const APP_DATA: &str = "${EXTEN}";
const HINT_DEVICE: &str = "GroupPickup:${EXTEN}";

/// What this module added to the dialplan, to update or remove it again.
#[derive(Default)]
pub struct Registered {
    context: String,
    /// Each pattern (or single number) and whether it carries a hint.
    extens: Vec<(String, bool)>,
}

pub fn register(config: &Config) -> Registered {
    update(Registered::default(), config)
}

/// Brings the dialplan from what `old` registered to what `config` wants.
pub fn update(mut old: Registered, config: &Config) -> Registered {
    let context_name = &config.general.context;
    if !old.context.is_empty() && old.context != *context_name {
        unregister(old);
        old = Registered::default();
    }
    let context = cstring(context_name);
    let mut registered = Registered {
        context: context_name.clone(),
        extens: Vec::new(),
    };
    if unsafe { shim::gp_context_create(context.as_ptr()) } != 0 {
        log::error(&format!(
            "grouppickup: could not create dialplan context '{context_name}'; group numbers are not dialable"
        ));
        return registered;
    }
    let wanted: Vec<String> = config.ranges.iter().flat_map(range_patterns).collect();
    for (exten, _) in old.extens.iter().filter(|(e, _)| !wanted.contains(e)) {
        remove(&context, exten);
    }
    let mut refused = Vec::new();
    for exten in wanted {
        let name = cstring(&exten);
        let had_hint = match old.extens.iter().find(|(e, _)| *e == exten) {
            Some(&(_, hint)) => hint,
            None => {
                if !add(&context, &name) {
                    // A plain number taken by someone else is reported
                    // with the other collisions below.
                    if exten.starts_with('_') {
                        refused.push(exten);
                    }
                    continue;
                }
                false
            }
        };
        let hint = match (had_hint, config.general.blf) {
            (false, true) => add_hint(&context, &name),
            (true, false) => {
                unsafe { shim::gp_hint_remove(context.as_ptr(), name.as_ptr()) };
                false
            }
            (kept, _) => kept,
        };
        registered.extens.push((exten, hint));
    }
    if !refused.is_empty() {
        log::warning(&format!(
            "grouppickup: could not register {} in context '{context_name}': an extension of that name already exists there (remove it, or choose another range)",
            refused.join(", ")
        ));
    }
    let collisions = tidy_numbers(&context, config, &registered);
    report_collisions(&collisions, context_name);
    let numbers: u64 = config.ranges.total_numbers();
    log::verbose(&format!(
        "grouppickup: {numbers} group number(s) dialable in context '{context_name}' as {} extension pattern(s){}",
        registered.extens.len(),
        if config.general.blf {
            ", each with a hint"
        } else {
            ""
        }
    ));
    registered
}

pub fn unregister(registered: Registered) {
    if registered.context.is_empty() {
        return;
    }
    let context = cstring(&registered.context);
    for (exten, _) in &registered.extens {
        remove(&context, exten);
    }
    // Hints Asterisk made from the pattern hints for subscribed numbers.
    for (mine, exten) in plain_extensions(&context) {
        if mine {
            remove(&context, &exten);
        }
    }
}

/// Removes the per-number hints Asterisk made from a pattern hint that no
/// longer applies (the number left the ranges, or `blf = no`), and returns
/// the numbers that are someone else's extensions in the context.
fn tidy_numbers(context: &CString, config: &Config, registered: &Registered) -> Vec<String> {
    let in_ranges = |exten: &str| config.ranges.iter().any(|r| is_number_of(exten, r));
    let mut collisions = Vec::new();
    for (mine, exten) in plain_extensions(context) {
        if registered.extens.iter().any(|(e, _)| *e == exten) {
            continue;
        }
        match (mine, in_ranges(&exten)) {
            (true, true) if config.general.blf => {}
            (true, _) => remove(context, &exten),
            (false, true) => collisions.push(exten),
            (false, false) => {}
        }
    }
    collisions
}

fn report_collisions(collisions: &[String], context: &str) {
    if collisions.is_empty() {
        return;
    }
    let shown: Vec<&str> = collisions.iter().take(10).map(String::as_str).collect();
    log::warning(&format!(
        "grouppickup: {} group number(s) collide with existing extensions in context '{context}', which take precedence: {}{} (a group number must not be a real extension)",
        collisions.len(),
        shown.join(", "),
        if collisions.len() > shown.len() { ", ..." } else { "" }
    ));
}

/// The context's extensions that are not patterns: (ours, name).
fn plain_extensions(context: &CString) -> Vec<(bool, String)> {
    let text = unsafe { shim::gp_context_extensions(context.as_ptr()) };
    if text.is_null() {
        return Vec::new();
    }
    let list = unsafe { CStr::from_ptr(text) }
        .to_string_lossy()
        .lines()
        .filter_map(|line| {
            let (flag, name) = line.split_at_checked(1)?;
            Some((flag == "o", name.to_string()))
        })
        .collect();
    unsafe { shim::gp_text_free(text) };
    list
}

fn add(context: &CString, exten: &CString) -> bool {
    let app = cstring(APP);
    let data = cstring(APP_DATA);
    let added = unsafe {
        shim::gp_extension_add(
            context.as_ptr(),
            exten.as_ptr(),
            app.as_ptr(),
            data.as_ptr(),
        )
    };
    added == 0
}

fn add_hint(context: &CString, exten: &CString) -> bool {
    let device = cstring(HINT_DEVICE);
    unsafe { shim::gp_hint_add(context.as_ptr(), exten.as_ptr(), device.as_ptr()) == 0 }
}

fn remove(context: &CString, exten: &str) {
    let exten = cstring(exten);
    unsafe { shim::gp_extension_remove(context.as_ptr(), exten.as_ptr()) };
}
