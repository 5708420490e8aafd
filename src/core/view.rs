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

pub fn stats(registry: &Registry) -> String {
    let s = registry.stats.snapshot();
    let now = Instant::now();
    let (ringing, longest) = registry.with_index(|ix| {
        let calls = ix.all();
        let longest = calls
            .iter()
            .map(|c| now.duration_since(c.since).as_secs_f64())
            .fold(0.0, f64::max);
        (calls.len(), longest)
    });
    let average = if s.pickups > 0 {
        s.ring_ms_total as f64 / s.pickups as f64 / 1000.0
    } else {
        0.0
    };
    let mut out = String::new();
    let rows: [(&str, String); 9] = [
        ("Calls tracked", s.calls_tracked.to_string()),
        ("Pickups", s.pickups.to_string()),
        ("Average ring before pickup", format!("{average:.1}s")),
        ("Failed: NOCALL", s.nocall.to_string()),
        ("Failed: INVALID", s.invalid.to_string()),
        ("Failed: DENIED", s.denied.to_string()),
        ("Failed: FAILED", s.failed.to_string()),
        ("Ringing now", ringing.to_string()),
        ("Longest ringing now", format!("{longest:.1}s")),
    ];
    for (name, value) in rows {
        let _ = writeln!(out, "{name:<28} {value}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::arbiter::{LegEvent, Picker};
    use crate::core::config::{sections_from_text, Config};

    #[test]
    fn stats_count_pickups_and_failures() {
        let conf = "[r]\ntype=range\nstart=*100\nend=*199\n[alice]\ntype=user\nendpoint=PJSIP/alice\ngroup=*101\n";
        let registry =
            Registry::new(Config::from_sections(&sections_from_text("t", conf)).unwrap());
        let leg = LegEvent {
            uniqueid: "1",
            name: "PJSIP/alice-00000001",
            appl: "AppDial",
            ringing: true,
            ..LegEvent::default()
        };
        registry.on_leg(&leg, Instant::now());
        assert!(stats(&registry).contains("Ringing now                  1"));
        let picker = Picker::default();
        let claim = registry.begin("*101", &picker).unwrap();
        registry.picked(&claim);
        let _ = registry.begin("*101", &picker);
        let _ = registry.begin("*999", &picker);
        let text = stats(&registry);
        for line in [
            "Calls tracked                1",
            "Pickups                      1",
            "Failed: NOCALL               1",
            "Failed: INVALID              1",
            "Ringing now                  0",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
    }
}
