//! Arbitrary dialed strings, channel names and call data into the arbiter.
//! Each input line is a command (fields separated by `|`):
//!
//! ```text
//! r|leg|name|call|caller number|dialed|origin          a leg rings (origin: dial, queue, other)
//! s|leg                                                  a leg stops
//! b|dialed|picker channel|outcome                       a pickup attempt
//! u|text                                                device/user lookups
//! anything else                                         dialed, by bob
//! ```
//!
//! Whatever comes in: `begin` fails exactly when `resolve` says the number
//! is not a group number or the policy/queue says so, a claim is in the
//! group dialed, `resolve` only accepts the canonical spelling of a number
//! inside a range, and once every leg has stopped nothing is left.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;

use grouppickup_core::arbiter::{Arbiter, LegEvent, Origin, Picker};
use grouppickup_core::config::{sections_from_text, Config};
use grouppickup_core::ring_time::RingTime;
use grouppickup_core::stats::Failure;
use grouppickup_core::view;

const CONF: &str = "\
[general]
[stars]
type = range
start = *100
end = *199
[hashes]
type = range
start = #6000
end = #6099
[plain]
type = range
start = 300
end = 399
[*102]
type = group
pickup_by = members
[*103]
type = group
pickup_by = alice, bob
[alice]
type = user
endpoint = PJSIP/alice, PJSIP/alice-desk
group = *101
private_lines = 4255550100
personal_contacts = 555
[bob]
type = user
endpoint = PJSIP/bob, SIP/bob
group = *102
[carol]
type = user
endpoint = PJSIP/carol
group = #6001
[dave]
type = user
endpoint = PJSIP/dave
group = 301
[erin]
type = user
endpoint = PJSIP/erin
";

fn leg<'a>(fields: &[&'a str], ringing: bool) -> LegEvent<'a> {
    let field = |i: usize, default: &'a str| fields.get(i).copied().unwrap_or(default);
    let name = field(2, "PJSIP/alice-00000001");
    LegEvent {
        leg: field(1, ""),
        name,
        device: device_of(name),
        call: field(3, "L1"),
        caller_number: field(4, "100"),
        caller_name: "Caller",
        dialed: field(5, "2001"),
        origin: match field(6, "dial") {
            "dial" => Origin::Dial,
            "queue" => Origin::Queue,
            _ => Origin::Other,
        },
        ringing,
    }
}

/// The device a test leg goes to: its name without the `-<sequence>`.
fn device_of(name: &str) -> &str {
    name.rsplit_once('-').map_or("", |(device, _)| device)
}

fn attempt(registry: &Arbiter, dialed: &str, picker: &str, outcome: u8) {
    let config = registry.config();
    let resolved = config.resolve(dialed.trim());
    let picker = Picker {
        name: picker.to_string(),
        device: Some(device_of(picker).to_string()),
    };
    match registry.begin(dialed, &picker) {
        Ok(claim) => {
            assert_eq!(resolved, Some(claim.group), "{dialed:?}");
            assert!(!claim.legs.is_empty());
            match outcome % 3 {
                0 => registry.picked(&claim),
                1 => registry.unavailable(&claim),
                _ => registry.release(&claim, Failure::Failed),
            }
        }
        Err(Failure::Invalid) => assert_eq!(resolved, None, "{dialed:?}"),
        Err(Failure::Denied | Failure::NoCall) => assert!(resolved.is_some(), "{dialed:?}"),
        Err(Failure::Failed) => panic!("begin never fails with FAILED"),
    }
}

fuzz_target!(|data: &[u8]| {
    let config =
        Config::from_sections(&sections_from_text("fuzz.conf", CONF)).expect("the fixed config");
    let registry = Arbiter::new(config);
    let now = RingTime::now();
    let mut legs: HashSet<String> = HashSet::new();
    // Something to pick up in several groups before the input plays.
    for (uid, name, linkedid) in [
        ("a1", "PJSIP/alice-00000001", "L1"),
        ("a2", "PJSIP/alice-desk-00000002", "L1"),
        ("b1", "PJSIP/bob-00000003", "L2"),
        ("c1", "PJSIP/carol-00000004", "L3"),
        ("d1", "PJSIP/dave-00000005", "L4"),
    ] {
        registry.on_leg(&leg(&["r", uid, name, linkedid], true), now, || false);
        legs.insert(uid.to_string());
    }

    let text = String::from_utf8_lossy(data);
    for line in text.lines() {
        let fields: Vec<&str> = line.split('|').collect();
        match fields[0] {
            "r" => {
                // The host's own exclusion mark, from the caller's name.
                let marked = fields.get(4).is_some_and(|n| n.starts_with('x'));
                registry.on_leg(&leg(&fields, true), now, || marked);
                legs.insert(fields.get(1).copied().unwrap_or("").to_string());
            }
            "s" => {
                registry.on_leg(&leg(&fields, false), now, || false);
            }
            "b" => attempt(
                &registry,
                fields.get(1).copied().unwrap_or(""),
                fields.get(2).copied().unwrap_or(""),
                fields.get(3).and_then(|s| s.bytes().next()).unwrap_or(0),
            ),
            "u" => {
                let what = fields.get(1).copied().unwrap_or("");
                let config = registry.config();
                if let Some(user) = config.user_of_device(what) {
                    assert!(config.users.contains_key(&*user.name));
                }
                if let Some(group) = config.resolve(what) {
                    let _ = config.members(&group);
                }
            }
            _ => {
                let config = registry.config();
                if let Some(group) = config.resolve(line) {
                    assert_eq!(group.to_string(), line);
                    assert!(config.ranges.contains(&group));
                }
                attempt(&registry, line, "PJSIP/bob-000000ff", 2);
            }
        }
    }
    for text in [view::groups(&registry), view::ringing(&registry)] {
        assert!(!text.is_empty());
    }
    for uid in &legs {
        registry.on_leg(&leg(&["s", uid], false), now, || false);
    }
    registry.inspect(|ix| {
        assert!(ix.is_empty() && ix.leg_count() == 0, "left: {:?}", ix.all());
    });
});
