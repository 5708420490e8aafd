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

use super::host::dialplan;
use super::log;
use super::patterns::{is_number_of, range_patterns};
use grouppickup_core::config::Config;

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
    let context = context_name.as_str();
    let mut registered = Registered {
        context: context_name.clone(),
        extens: Vec::new(),
    };
    if !dialplan::create_context(context) {
        log::error(&format!(
            "grouppickup: could not create dialplan context '{context_name}'; group numbers are not dialable"
        ));
        return registered;
    }
    let wanted: Vec<String> = config.ranges.iter().flat_map(range_patterns).collect();
    for (exten, _) in old.extens.iter().filter(|(e, _)| !wanted.contains(e)) {
        dialplan::remove_extension(context, exten);
    }
    let mut refused = Vec::new();
    for exten in wanted {
        let had_hint = match old.extens.iter().find(|(e, _)| *e == exten) {
            Some(&(_, hint)) => hint,
            None => {
                if !dialplan::add_extension(context, &exten, APP, APP_DATA) {
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
            (false, true) => dialplan::add_hint(context, &exten, HINT_DEVICE),
            (true, false) => {
                dialplan::remove_hint(context, &exten);
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
    let collisions = tidy_numbers(context, config, &registered);
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

/// Reports the group numbers that are someone else's extensions in the
/// context now (after Asterisk's start, when extensions.conf is loaded).
pub fn check(registered: &Registered, config: &Config) {
    if registered.context.is_empty() {
        return;
    }
    let collisions = tidy_numbers(&registered.context, config, registered);
    report_collisions(&collisions, &registered.context);
}

pub fn unregister(registered: Registered) {
    if registered.context.is_empty() {
        return;
    }
    let context = registered.context.as_str();
    for (exten, _) in &registered.extens {
        dialplan::remove_extension(context, exten);
    }
    // Hints Asterisk made from the pattern hints for subscribed numbers.
    for (mine, exten) in plain_extensions(context) {
        if mine {
            dialplan::remove_extension(context, &exten);
        }
    }
}

/// Removes the per-number hints Asterisk made from a pattern hint that no
/// longer applies (the number left the ranges, or `blf = no`), and returns
/// the numbers that are someone else's extensions in the context.
fn tidy_numbers(context: &str, config: &Config, registered: &Registered) -> Vec<String> {
    let in_ranges = |exten: &str| config.ranges.iter().any(|r| is_number_of(exten, r));
    let mut collisions = Vec::new();
    for (mine, exten) in plain_extensions(context) {
        if registered.extens.iter().any(|(e, _)| *e == exten) {
            continue;
        }
        match (mine, in_ranges(&exten)) {
            (true, true) if config.general.blf => {}
            (true, _) => dialplan::remove_extension(context, &exten),
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
fn plain_extensions(context: &str) -> Vec<(bool, String)> {
    dialplan::plain_extensions(context)
        .lines()
        .filter_map(|line| {
            let (flag, name) = line.split_at_checked(1)?;
            Some((flag == "o", name.to_string()))
        })
        .collect()
}
