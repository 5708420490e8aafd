//! The text of the CLI's `show` commands, built from the configuration and
//! the index. Columns follow Asterisk's own `show` commands.

use super::arbiter::Registry;
use std::fmt::Write;
use std::time::Instant;

pub fn ranges(registry: &Registry) -> String {
    let config = registry.config();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<24} {:<10} {:<10} {:>8}",
        "Range", "Start", "End", "Numbers"
    );
    for r in config.ranges.iter() {
        let _ = writeln!(
            out,
            "{:<24} {:<10} {:<10} {:>8}",
            r.name,
            r.start,
            r.end,
            r.len()
        );
    }
    let _ = writeln!(
        out,
        "{} range(s), {} group number(s) in context '{}'",
        config.ranges.len(),
        config.ranges.total_numbers(),
        config.general.context
    );
    out
}

/// Groups that have members, settings or ringing calls (a range can hold
/// thousands of unused numbers; those are not listed).
pub fn groups(registry: &Registry) -> String {
    let config = registry.config();
    let mut numbers: Vec<_> = config
        .users
        .values()
        .filter_map(|u| u.group)
        .chain(config.groups.keys().copied())
        .collect();
    registry.with_index(|ix| numbers.extend(ix.all().iter().map(|c| c.group)));
    numbers.sort();
    numbers.dedup();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<10} {:<16} {:<10} {:>7} {:>7}",
        "Group", "Name", "PickupBy", "Members", "Ringing"
    );
    for number in &numbers {
        let settings = config.groups.get(number).cloned().unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<10} {:<16} {:<10} {:>7} {:>7}",
            number.to_string(),
            settings.name,
            settings.pickup_by.to_string(),
            config.members(number).len(),
            registry.ringing_in(number)
        );
    }
    let _ = writeln!(out, "{} group(s) in use", numbers.len());
    out
}

pub fn ringing(registry: &Registry) -> String {
    let now = Instant::now();
    registry.with_index(|ix| {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<8} {:<12} {:<20} {:>8}  {:<8} Channels",
            "Group", "User", "Caller", "Ringing", "State"
        );
        let calls = ix.all();
        for call in &calls {
            let caller = if call.caller_name.is_empty() {
                call.caller_number.clone()
            } else {
                format!("\"{}\" <{}>", call.caller_name, call.caller_number)
            };
            let legs: Vec<&str> = call.legs.iter().map(|l| l.name.as_str()).collect();
            let _ = writeln!(
                out,
                "{:<8} {:<12} {:<20} {:>7.1}s  {:<8} {}",
                call.group.to_string(),
                call.user,
                caller,
                now.duration_since(call.since).as_secs_f64(),
                if call.claimed { "pickup" } else { "ringing" },
                legs.join(", ")
            );
        }
        let _ = writeln!(out, "{} call(s) ringing", calls.len());
        out
    })
}
