//! Arbitrary dialed strings, channel names and call data into the arbiter.
//! Each input line is a command (fields separated by `|`):
//!
//! ```text
//! r|uniqueid|channel|linkedid|caller number|exten|appl   a leg rings
//! s|uniqueid                                            a leg stops
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
use std::time::Instant;


use grouppickup_core::arbiter::{LegEvent, Picker, Registry};
use grouppickup_core::config::{sections_from_text, Config};
use grouppickup_core::device::device_of_channel;
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
    LegEvent {
        uniqueid: field(1, ""),
        name: field(2, "PJSIP/alice-00000001"),
        linkedid: field(3, "L1"),
        caller_number: field(4, "100"),
        caller_name: "Caller",
        exten: field(5, "2001"),
        appl: field(6, "AppDial"),
        ringing,
        excluded: false,
    }
}

fn attempt(registry: &Registry, dialed: &str, picker: &str, outcome: u8) {
    let config = registry.config();
    let resolved = config.resolve(dialed.trim());
    let picker = Picker {
        channel: picker.to_string(),
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
    let registry = Registry::new(config);
    let now = Instant::now();
    let mut legs: HashSet<String> = HashSet::new();
    // Something to pick up in several groups before the input plays.
    for (uid, name, linkedid) in [
        ("a1", "PJSIP/alice-00000001", "L1"),
        ("a2", "PJSIP/alice-desk-00000002", "L1"),
        ("b1", "PJSIP/bob-00000003", "L2"),
        ("c1", "PJSIP/carol-00000004", "L3"),
        ("d1", "PJSIP/dave-00000005", "L4"),
    ] {
        registry.on_leg(&leg(&["r", uid, name, linkedid], true), now);
        legs.insert(uid.to_string());
    }

    let text = String::from_utf8_lossy(data);
    for line in text.lines() {
        let fields: Vec<&str> = line.split('|').collect();
        match fields[0] {
            "r" => {
                registry.on_leg(&leg(&fields, true), now);
                legs.insert(fields.get(1).copied().unwrap_or("").to_string());
            }
            "s" => {
                registry.on_leg(&leg(&fields, false), now);
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
                if let Some(device) = device_of_channel(what) {
                    assert!(what.starts_with(device) && device.contains('/'));
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
        registry.on_leg(&leg(&["s", uid], false), now);
    }
    registry.with_index(|ix| {
        assert!(ix.is_empty() && ix.leg_count() == 0, "left: {:?}", ix.all());
    });
});
