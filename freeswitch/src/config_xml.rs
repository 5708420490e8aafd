//! `autoload_configs/grouppickup.conf.xml` turned into the core's sections,
//! so the very same validation runs as for Asterisk's grouppickup.conf.
//! Each element becomes one section; its place in the file stands in for a
//! line number, so that every error names the element it is about, in the
//! file's own words (attribute names, not the core's keys).

use super::host::ConfigSink;
use grouppickup_core::config::{Config, Entry, Section};
use grouppickup_core::quote::quote;

/// The file, as FreeSWITCH's users know it.
pub const FILE: &str = "autoload_configs/grouppickup.conf.xml";
/// The configuration name FreeSWITCH looks it up by.
pub const NAME: &str = "grouppickup.conf";

/// One element as read: its depth (1 for `<settings>`, 2 for `<param>`),
/// name and attributes.
#[derive(Clone, Debug, Default)]
pub struct Element {
    pub depth: i32,
    pub name: String,
    pub attrs: Vec<(String, String)>,
}

/// Collects what FreeSWITCH's XML reader reports.
#[derive(Default)]
pub struct Collected(pub Vec<Element>);

impl ConfigSink for Collected {
    fn element(&mut self, depth: i32, name: &str) {
        self.0.push(Element {
            depth,
            name: name.to_string(),
            attrs: Vec::new(),
        });
    }
    fn attr(&mut self, name: &str, value: &str) {
        if let Some(last) = self.0.last_mut() {
            last.attrs.push((name.to_string(), value.to_string()));
        }
    }
}

/// An item's attributes and the core's keys they become.
const SETTINGS: &[(&str, &str)] = &[
    ("context", "context"),
    ("pickup-sound", "pickupsound"),
    ("pickup-fail-sound", "pickupfailsound"),
    ("blf", "blf"),
    ("exclude-queue-calls", "exclude_queue_calls"),
];
const RANGE: &[(&str, &str)] = &[("start", "start"), ("end", "end")];
const GROUP: &[(&str, &str)] = &[("name", "name"), ("pickup-by", "pickup_by")];
const USER: &[(&str, &str)] = &[
    ("endpoint", "endpoint"),
    ("group", "group"),
    ("private-lines", "private_lines"),
    ("personal-contacts", "personal_contacts"),
];

/// Where an element is: `<user name="alice">`, for errors.
fn describe(e: &Element) -> String {
    // A group is known by its number (its name is a label).
    let keys = if e.name == "group" {
        ["number", "name"]
    } else {
        ["name", "number"]
    };
    let key = keys
        .iter()
        .find_map(|k| e.attrs.iter().find(|(n, _)| n == k));
    match key {
        Some((k, v)) => format!("<{} {k}=\"{}\">", e.name, quote(v)),
        None => format!("<{}>", e.name),
    }
}

/// The file's elements as the core's sections, or the errors found in its
/// shape (unknown elements and attributes, missing names).
pub fn parse(elements: &[Element]) -> Result<Config, Vec<String>> {
    let mut errors = Vec::new();
    // FreeSWITCH's dialplan context is `default` unless the file says else.
    let mut general = Section {
        name: "general".into(),
        file: FILE.into(),
        line: 0,
        entries: vec![Entry {
            key: "context".into(),
            value: "default".into(),
            line: 0,
        }],
    };
    let mut sections = Vec::new();
    let mut parent = String::new();
    for (i, e) in elements.iter().enumerate() {
        let line = i as u32 + 1;
        let err = |errors: &mut Vec<String>, what: String| {
            errors.push(format!("{FILE}: {}: {what}", describe(e)))
        };
        if e.depth == 1 {
            parent = e.name.clone();
            if !["settings", "ranges", "groups", "users"].contains(&e.name.as_str()) {
                err(
                    &mut errors,
                    "unknown element (expected settings, ranges, groups or users)".into(),
                );
            }
            continue;
        }
        let (item, kind, name_attr, allowed) = match parent.as_str() {
            "settings" => ("param", "", "name", SETTINGS),
            "ranges" => ("range", "range", "name", RANGE),
            "groups" => ("group", "group", "number", GROUP),
            "users" => ("user", "user", "name", USER),
            _ => continue,
        };
        if e.name != item {
            err(
                &mut errors,
                format!("unknown element inside <{parent}> (expected <{item}>)"),
            );
            continue;
        }
        let Some(name) = e
            .attrs
            .iter()
            .find(|(n, _)| n == name_attr)
            .map(|(_, v)| v.clone())
        else {
            err(&mut errors, format!("missing attribute {name_attr}"));
            continue;
        };
        let entry = |key: &str, value: &str| Entry {
            key: key.into(),
            value: value.into(),
            line,
        };
        if item == "param" {
            let value = e
                .attrs
                .iter()
                .find(|(n, _)| n == "value")
                .map_or("", |(_, v)| v.as_str());
            match allowed.iter().find(|(attr, _)| *attr == name) {
                Some((_, key)) => general.entries.push(entry(key, value)),
                None => err(
                    &mut errors,
                    format!("unknown setting (expected one of: {})", names(allowed)),
                ),
            }
            continue;
        }
        let mut section = Section {
            name: name.clone(),
            file: FILE.into(),
            line,
            entries: vec![entry("type", kind)],
        };
        for (attr, value) in &e.attrs {
            if attr == name_attr {
                continue;
            }
            match allowed.iter().find(|(a, _)| a == attr) {
                Some((_, key)) => section.entries.push(entry(key, value)),
                None => err(
                    &mut errors,
                    format!(
                        "unknown attribute {attr}=\"{}\" (expected {name_attr} and: {})",
                        quote(value),
                        names(allowed)
                    ),
                ),
            }
        }
        sections.push(section);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    sections.insert(0, general);
    Config::from_sections(&sections).map_err(|errors| {
        errors
            .iter()
            .map(|e| {
                let at = (e.line as usize)
                    .checked_sub(1)
                    .and_then(|i| elements.get(i))
                    .map_or_else(|| "<settings>".to_string(), describe);
                format!("{FILE}: {at}: {}", in_xml_words(&e.message))
            })
            .collect()
    })
}

fn names(allowed: &[(&str, &str)]) -> String {
    allowed
        .iter()
        .map(|(a, _)| *a)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The core's message about a section, in the XML file's words: without the
/// leading `[name]: ` and with attribute names for keys.
fn in_xml_words(message: &str) -> String {
    let mut text = match message.strip_prefix('[') {
        Some(rest) => rest
            .split_once("]: ")
            .map_or(message.to_string(), |(_, m)| m.to_string()),
        None => message.to_string(),
    };
    for (attr, key) in SETTINGS.iter().chain(USER).chain(GROUP) {
        if attr != key {
            text = text.replace(&format!("{key} ="), &format!("{attr} ="));
        }
    }
    text.replace("is not yes or no", "is not true or false")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(depth: i32, name: &str, attrs: &[(&str, &str)]) -> Element {
        Element {
            depth,
            name: name.into(),
            attrs: attrs
                .iter()
                .map(|(a, v)| (a.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn sample() -> Vec<Element> {
        vec![
            el(1, "settings", &[]),
            el(2, "param", &[("name", "blf"), ("value", "true")]),
            el(1, "ranges", &[]),
            el(
                2,
                "range",
                &[("name", "r"), ("start", "*100"), ("end", "*199")],
            ),
            el(1, "groups", &[]),
            el(
                2,
                "group",
                &[
                    ("number", "*101"),
                    ("name", "Sales"),
                    ("pickup-by", "anyone"),
                ],
            ),
            el(1, "users", &[]),
            el(
                2,
                "user",
                &[
                    ("name", "alice"),
                    ("endpoint", "user/1000@example.com"),
                    ("group", "*101"),
                    ("private-lines", "4255550100"),
                ],
            ),
        ]
    }

    #[test]
    fn the_sample_shape_is_the_cores_model() {
        let config = parse(&sample()).unwrap();
        assert_eq!(config.general.context, "default");
        assert!(config.general.blf);
        let alice = config.user_of_device("user/1000@example.com").unwrap();
        assert_eq!(alice.group, "*101".parse().ok());
        assert_eq!(alice.private_lines, ["4255550100"]);
        assert_eq!(config.groups[&"*101".parse().unwrap()].name, "Sales");
    }

    #[test]
    fn errors_name_file_element_value_and_expectation() {
        let mut bad = sample();
        bad[3] = el(
            2,
            "range",
            &[("name", "r"), ("start", "*99"), ("end", "*199")],
        );
        let errors = parse(&bad).unwrap_err();
        assert!(
            errors[0].starts_with("autoload_configs/grouppickup.conf.xml: <range name=\"r\">: "),
            "{errors:?}"
        );
        assert!(errors[0].contains("*99"), "{errors:?}");

        let mut bad = sample();
        bad[7].attrs.push(("colour".into(), "red".into()));
        let errors = parse(&bad).unwrap_err();
        assert!(
            errors[0].contains("<user name=\"alice\">: unknown attribute colour=\"red\""),
            "{errors:?}"
        );

        let mut bad = sample();
        bad[5] = el(
            2,
            "group",
            &[
                ("number", "*101"),
                ("name", "Sales"),
                ("pickup-by", "nobody"),
            ],
        );
        let errors = parse(&bad).unwrap_err();
        assert!(errors[0].contains("<group number=\"*101\">"), "{errors:?}");
        assert!(errors[0].contains("pickup-by"), "{errors:?}");

        let mut bad = sample();
        bad[1] = el(2, "param", &[("name", "blf"), ("value", "maybe")]);
        let errors = parse(&bad).unwrap_err();
        assert!(
            errors[0].contains("blf = 'maybe' is not true or false"),
            "{errors:?}"
        );
    }
}
