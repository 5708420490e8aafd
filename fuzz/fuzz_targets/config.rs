//! The configuration model: arbitrary text through the INI reader into
//! `Config::from_sections`, and arbitrary sections straight into it
//! (Asterisk's own reader can hand over names, keys and values that the
//! text reader never produces). Every input must give either a `Config`
//! that keeps the rules' promises or a list of errors naming the file; the
//! CLI views of any accepted configuration must render.
#![no_main]

use libfuzzer_sys::arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;


use grouppickup_core::arbiter::Arbiter;
use grouppickup_core::config::{sections_from_text, Config, Entry, Section};
use grouppickup_core::view;

const NAMES: [&str; 8] = [
    "general", "r", "*101", "*102", "alice", "bob", "300", "#6000",
];
const KEYS: [&str; 14] = [
    "type",
    "start",
    "end",
    "endpoint",
    "group",
    "name",
    "pickup_by",
    "private_lines",
    "personal_contacts",
    "context",
    "blf",
    "pickupsound",
    "exclude_queue_calls",
    "notify_message",
];
const VALUES: [&str; 16] = [
    "range",
    "group",
    "user",
    "*100",
    "*199",
    "*101",
    "#6000",
    "#6999",
    "300",
    "399",
    "PJSIP/alice",
    "PJSIP/alice, pjsip/alice",
    "members",
    "alice, bob",
    "yes",
    "",
];

fn pick(u: &mut Unstructured<'_>, words: &[&str]) -> String {
    // Mostly words the model knows, sometimes anything at all.
    match u.ratio(7u8, 8u8) {
        Ok(true) => u.choose(words).map(|w| w.to_string()).unwrap_or_default(),
        _ => String::arbitrary(u).unwrap_or_default(),
    }
}

/// Sections as Asterisk's reader would deliver them.
fn sections_from_bytes(bytes: &[u8]) -> Vec<Section> {
    let mut u = Unstructured::new(bytes);
    let mut sections: Vec<Section> = Vec::new();
    let mut line = 0;
    while !u.is_empty() {
        line += 1;
        let new_section = sections.is_empty() || u.ratio(1u8, 5u8).unwrap_or(false);
        if new_section {
            sections.push(Section {
                name: pick(&mut u, &NAMES),
                file: "fuzz.conf".to_string(),
                line,
                entries: Vec::new(),
            });
        } else {
            let key = pick(&mut u, &KEYS);
            let value = pick(&mut u, &VALUES);
            if let Some(section) = sections.last_mut() {
                section.entries.push(Entry { key, value, line });
            }
        }
    }
    sections
}

fn check(sections: &[Section]) {
    let config = match Config::from_sections(sections) {
        Err(errors) => {
            assert!(!errors.is_empty(), "refused without a reason");
            for e in &errors {
                assert!(!e.message.is_empty());
                assert!(e.to_string().starts_with(&e.file), "{e}");
            }
            return;
        }
        Ok(config) => config,
    };
    let ranges: Vec<_> = config.ranges.iter().collect();
    for (i, a) in ranges.iter().enumerate() {
        assert!(a.start.same_shape(&a.end) && a.start <= a.end, "{a}");
        for b in &ranges[i + 1..] {
            assert!(!a.overlaps(b), "{a} overlaps {b}");
        }
    }
    for group in config.groups.keys() {
        assert!(
            config.ranges.contains(group),
            "group {group} outside every range"
        );
    }
    for user in config.users.values() {
        if let Some(group) = user.group {
            assert!(config.ranges.contains(&group), "{}: {group}", user.name);
            assert_eq!(config.resolve(&group.to_string()), Some(group));
        }
        for device in &user.endpoints {
            let owner = config.user_of_device(device).map(|u| &*u.name);
            assert_eq!(owner, Some(&*user.name), "{device}");
        }
    }
    let registry = Arbiter::new(config);
    for text in [
        view::ranges(&registry),
        view::groups(&registry),
        view::ringing(&registry),
        view::stats(&registry),
    ] {
        assert!(!text.is_empty());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let sections = if mode & 1 == 0 {
        sections_from_text("fuzz.conf", &String::from_utf8_lossy(rest))
    } else {
        sections_from_bytes(rest)
    };
    check(&sections);
});
