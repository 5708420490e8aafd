//! The text of the `show` commands (Asterisk's CLI, FreeSWITCH's API), built
//! from the configuration and one snapshot of the ringing calls. Columns
//! follow Asterisk's own `show` commands.

use super::arbiter::Arbiter;
use super::config::{Source, User};
use super::number::GroupNumber;
use super::registry::CallView;
use super::ring_time::RingTime;
use std::fmt::Write;

/// What the host calls the things views mention.
#[derive(Clone, Copy, Debug)]
pub struct HostWords {
    /// The name of a group's lamp (device state), e.g. `GroupPickup:*101`.
    pub lamp: fn(&GroupNumber) -> String,
    /// Where runtime assignments are kept, e.g. `AstDB`.
    pub store: &'static str,
}

fn source(user: &User, words: &HostWords) -> String {
    match user.source {
        Source::File => user.source.to_string(),
        Source::Runtime => format!("{} ({})", user.source, words.store),
    }
}

pub fn ranges(arbiter: &Arbiter) -> String {
    let config = arbiter.config();
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
pub fn groups(arbiter: &Arbiter) -> String {
    let config = arbiter.config();
    let numbers = groups_in_use(arbiter);
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
            arbiter.ringing_in(number)
        );
    }
    let _ = writeln!(out, "{} group(s) in use", numbers.len());
    out
}

/// Group numbers that have members, settings or ringing calls, sorted.
pub fn groups_in_use(arbiter: &Arbiter) -> Vec<GroupNumber> {
    let config = arbiter.config();
    let mut numbers: Vec<_> = config
        .users
        .values()
        .filter_map(|u| u.group)
        .chain(config.groups.keys().copied())
        .collect();
    numbers.extend(arbiter.snapshot().iter().map(|c| c.group));
    numbers.sort();
    numbers.dedup();
    numbers
}

/// Candidates for tab completion of a word: the matches of `all` that start
/// with `word`, sorted.
pub fn complete(all: impl IntoIterator<Item = String>, word: &str) -> Vec<String> {
    let mut matches: Vec<String> = all.into_iter().filter(|c| c.starts_with(word)).collect();
    matches.sort();
    matches
}

pub fn ringing(arbiter: &Arbiter) -> String {
    let calls = arbiter.snapshot();
    let mut out = ringing_table(&calls, RingTime::now(), arbiter.node().as_deref());
    let _ = writeln!(out, "{} call(s) ringing", calls.len());
    out
}

/// The calls, oldest first, one row each; in a cluster (`node` is this
/// server's name) with the server each rings on.
fn ringing_table(calls: &[CallView], now: RingTime, node: Option<&str>) -> String {
    let mut out = String::new();
    if node.is_some() {
        let _ = write!(out, "{:<12} ", "Node");
    }
    let _ = writeln!(
        out,
        "{:<8} {:<12} {:<20} {:>8}  {:<8} Channels",
        "Group", "User", "Caller", "Ringing", "State"
    );
    for call in calls {
        if let Some(here) = node {
            let _ = write!(out, "{:<12} ", call.node.as_deref().unwrap_or(here));
        }
        let legs: Vec<&str> = call.legs.iter().map(|l| l.name.as_str()).collect();
        let _ = writeln!(
            out,
            "{:<8} {:<12} {:<20} {:>7.1}s  {:<8} {}",
            call.group.to_string(),
            call.user,
            caller_id(&call.caller_name, &call.caller_number),
            call.rang_at.elapsed_at(now).as_secs_f64(),
            if call.claimed { "pickup" } else { "ringing" },
            legs.join(", ")
        );
    }
    out
}

/// A caller as Asterisk prints one: `"Name" <number>`, or the number alone.
pub fn caller_id(name: &str, number: &str) -> String {
    if name.is_empty() {
        number.to_string()
    } else {
        format!("\"{name}\" <{number}>")
    }
}

/// `grouppickup show group <number>`: settings, members and the calls
/// ringing now, oldest first.
pub fn group(arbiter: &Arbiter, dialed: &str, words: &HostWords) -> Result<String, String> {
    let config = arbiter.config();
    let number: GroupNumber = dialed
        .trim()
        .parse()
        .map_err(|e: super::number::NumberError| e.to_string())?;
    let Some(range) = config.ranges.iter().find(|r| r.contains(&number)) else {
        return Err(format!(
            "{number} is not inside any range (see grouppickup show ranges)"
        ));
    };
    let settings = config.groups.get(&number).cloned().unwrap_or_default();
    let members = config.members(&number);
    let now = RingTime::now();
    let mut out = String::new();
    let rows = [
        ("Group", number.to_string()),
        (
            "Name",
            if settings.name.is_empty() {
                "-".to_string()
            } else {
                settings.name.clone()
            },
        ),
        ("Range", range.name.clone()),
        ("Pickup by", settings.pickup_by.to_string()),
        (
            "Device state",
            format!(
                "{} {}",
                (words.lamp)(&number),
                if arbiter.ringing_in(&number) > 0 {
                    "RINGING"
                } else {
                    "NOT_INUSE"
                }
            ),
        ),
    ];
    for (name, value) in rows {
        let _ = writeln!(out, "{:<14} {value}", format!("{name}:"));
    }
    let _ = writeln!(out, "\nMembers ({}):", members.len());
    for user in &members {
        let _ = writeln!(
            out,
            "  {:<16} {:<32} {}",
            user.name,
            user.endpoints.join(", "),
            source(user, words)
        );
    }
    let calls: Vec<CallView> = arbiter
        .snapshot()
        .into_iter()
        .filter(|c| c.group == number)
        .collect();
    let _ = writeln!(out, "\nRinging ({}), oldest first:", calls.len());
    if !calls.is_empty() {
        out.push_str(&ringing_table(&calls, now, arbiter.node().as_deref()));
    }
    Ok(out)
}

/// `grouppickup show user <user>`: devices, group, where the assignment
/// comes from, exclusions.
pub fn user(arbiter: &Arbiter, name: &str, words: &HostWords) -> Result<String, String> {
    let config = arbiter.config();
    let user = config.check_user(name)?;
    let group = match user.group {
        Some(n) => match config.groups.get(&n).map(|g| g.name.as_str()) {
            Some(name) if !name.is_empty() => format!("{n} ({name})"),
            _ => n.to_string(),
        },
        None => "none".to_string(),
    };
    let ringing = arbiter
        .snapshot()
        .iter()
        .filter(|c| *c.user == *user.name)
        .count();
    let list = |items: &[String]| {
        if items.is_empty() {
            "none".to_string()
        } else {
            items.join(", ")
        }
    };
    let rows = [
        ("User", user.name.to_string()),
        ("Devices", list(&user.endpoints)),
        ("Group", group),
        ("Assigned by", source(user, words)),
        ("Private lines", list(&user.private_lines)),
        ("Personal contacts", list(&user.personal_contacts)),
        ("Ringing now", format!("{ringing} call(s)")),
    ];
    let mut out = String::new();
    for (name, value) in rows {
        let _ = writeln!(out, "{:<19} {value}", format!("{name}:"));
    }
    Ok(out)
}

pub fn stats(arbiter: &Arbiter) -> String {
    let s = arbiter.stats.snapshot();
    let now = RingTime::now();
    let calls = arbiter.snapshot();
    let longest = calls
        .iter()
        .map(|c| c.rang_at.elapsed_at(now).as_secs_f64())
        .fold(0.0, f64::max);
    let ringing = calls.len();
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
    use crate::arbiter::Picker;
    use crate::test_support::{arbiter, dialed_leg};

    #[test]
    fn stats_count_pickups_and_failures() {
        let conf = "[r]\ntype=range\nstart=*100\nend=*199\n[alice]\ntype=user\nendpoint=PJSIP/alice\ngroup=*101\n";
        let arbiter = arbiter(conf);
        let leg = dialed_leg("1", "PJSIP/alice-00000001");
        arbiter.on_leg(&leg, RingTime::now(), || false);
        assert!(stats(&arbiter).contains("Ringing now                  1"));
        let picker = Picker::default();
        let claim = arbiter.begin("*101", &picker).unwrap();
        arbiter.picked(&claim);
        let _ = arbiter.begin("*101", &picker);
        let _ = arbiter.begin("*999", &picker);
        let text = stats(&arbiter);
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
