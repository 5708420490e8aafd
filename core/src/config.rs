//! The configuration model: `grouppickup.conf` as sections of key/value
//! entries (read by Asterisk's configuration API in the module), validated
//! into a [`Config`]. Every error names the file, the line, the value and what
//! was expected.

use super::cluster_config::{self, ClusterSettings};
use super::device::{device_key, DeviceKey};
use super::fasthash::FastMap;
use super::number::GroupNumber;
use super::quote::quote;
use super::ranges::{Range, Ranges};
use std::fmt;
use std::sync::Arc;

/// One `key = value` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub line: u32,
}

/// One `[name]` section and its entries, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub file: String,
    pub line: u32,
    pub entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: u32,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

/// Who may pick up the calls of a group.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum PickupBy {
    /// Anybody who dials the number, as in Lync.
    #[default]
    Anyone,
    /// Only users assigned to the group.
    Members,
    /// Only the users named.
    Users(Vec<String>),
}

impl fmt::Display for PickupBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PickupBy::Anyone => f.write_str("anyone"),
            PickupBy::Members => f.write_str("members"),
            PickupBy::Users(users) => f.write_str(&users.join(",")),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct GroupSettings {
    pub name: String,
    pub pickup_by: PickupBy,
}

/// Where a user's group assignment comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Source {
    /// `group =` in the configuration file (or its absence).
    #[default]
    File,
    /// `grouppickup set user` / `clear user`, kept in the host's store.
    Runtime,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::File => "configuration file",
            Source::Runtime => "runtime",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Shared with the ringing calls of the user.
    pub name: Arc<str>,
    /// Devices as written in the file, e.g. `PJSIP/alice`.
    pub endpoints: Vec<String>,
    pub group: Option<GroupNumber>,
    pub source: Source,
    pub private_lines: Vec<String>,
    pub personal_contacts: Vec<String>,
}

/// What a picker hears out of the box when there is nothing to pick up.
pub const DEFAULT_FAIL_TONE: &str = "congestion";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct General {
    pub context: String,
    pub pickupsound: String,
    pub pickupfailsound: String,
    /// The tone of indications.conf a picker hears as early media when the
    /// pickup fails and no `pickupfailsound` is set; `None` for silence.
    pub pickupfailtone: Option<String>,
    pub blf: bool,
    pub notify_message: bool,
    pub exclude_queue_calls: bool,
}

impl Default for General {
    fn default() -> Self {
        General {
            context: "grouppickup".to_string(),
            pickupsound: String::new(),
            pickupfailsound: String::new(),
            pickupfailtone: Some(DEFAULT_FAIL_TONE.to_string()),
            blf: true,
            notify_message: false,
            exclude_queue_calls: true,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Config {
    pub general: General,
    /// The `[cluster]` section, if any: pickup across servers.
    pub cluster: Option<ClusterSettings>,
    pub ranges: Ranges,
    pub groups: FastMap<GroupNumber, GroupSettings>,
    /// Shared with `devices`: a ringing leg finds its user in one lookup.
    pub users: FastMap<String, Arc<User>>,
    devices: FastMap<DeviceKey, Arc<User>>,
}

impl Config {
    /// Validates the sections of one file. All errors are collected, so an
    /// administrator fixes the file in one pass.
    pub fn from_sections(sections: &[Section]) -> Result<Config, Vec<ConfigError>> {
        let mut builder = Builder::default();
        // Ranges first: users and groups are checked against them.
        for section in sections {
            if section_type(section) == Some("range") {
                builder.range(section);
            }
        }
        let mut general: Option<&Section> = None;
        for section in sections {
            if section.name == "general" {
                if let Some(first) = general {
                    // Asterisk keeps both sections; which option won would
                    // depend on the order they are read in.
                    builder.error(
                        section,
                        section.line,
                        format!(
                            "[general]: section [general] is configured twice (first at {}:{}); merge them into one",
                            first.file, first.line
                        ),
                    );
                    continue;
                }
                general = Some(section);
                builder.general(section);
                continue;
            }
            if section.name == "cluster" {
                builder.cluster(section);
                continue;
            }
            match section_type(section) {
                Some("range") => {}
                Some("group") => builder.group(section),
                Some("user") => builder.user(section),
                Some(other) => {
                    let line = type_line(section);
                    builder.error(
                        section,
                        line,
                        format!(
                            "[{}]: unknown type '{}' (expected range, group or user)",
                            section.name,
                            quote(other)
                        ),
                    )
                }
                None => builder.error(
                    section,
                    section.line,
                    format!(
                        "[{}]: missing 'type =' (expected type = range, group or user)",
                        section.name
                    ),
                ),
            }
        }
        // Users may come after the groups that name them.
        builder.check_pickup_lists();
        if builder.errors.is_empty() {
            Ok(builder.config)
        } else {
            Err(builder.errors)
        }
    }

    /// The user a device belongs to, by the device's name (`PJSIP/alice`).
    pub fn user_of_device(&self, device: &str) -> Option<&User> {
        self.devices.get(device_key(device).as_ref()).map(|u| &**u)
    }

    /// Whether a dialed string is a configured group number.
    pub fn resolve(&self, dialed: &str) -> Option<GroupNumber> {
        let number: GroupNumber = dialed.parse().ok()?;
        self.ranges.contains(&number).then_some(number)
    }

    /// Checks a runtime assignment of `user` to the dialed-form `group` the
    /// way the file is checked: the user must be configured (it needs its
    /// devices) and the number must lie inside a range. Returns the number.
    pub fn check_assignment(&self, user: &str, group: &str) -> Result<GroupNumber, String> {
        self.check_user(user)?;
        let number: GroupNumber = group
            .trim()
            .parse()
            .map_err(|e: super::number::NumberError| e.to_string())?;
        if !self.ranges.contains(&number) {
            return Err(format!(
                "group {number} is not inside any range (configured ranges: {})",
                describe_ranges(&self.ranges)
            ));
        }
        Ok(number)
    }

    /// The configured user called `user`, or an error saying how to add one.
    pub fn check_user(&self, user: &str) -> Result<&User, String> {
        self.users.get(user).map(|u| &**u).ok_or_else(|| {
            format!(
                "no user '{}' in grouppickup.conf (a user needs a section [{}] with type = user and endpoint = its devices)",
                quote(user),
                quote(user)
            )
        })
    }

    /// Puts a checked runtime assignment in force for `user` (`None` takes the
    /// user out of any group). A user is in at most one group by
    /// construction: the new group replaces the old one.
    pub fn assign(&mut self, user: &str, group: Option<GroupNumber>) {
        let Some(shared) = self.users.get_mut(user) else {
            return;
        };
        // Copied unless this configuration is the user's only holder; its
        // devices then point to the copy.
        let u = Arc::make_mut(shared);
        u.group = group;
        u.source = Source::Runtime;
        let u = shared.clone();
        for device in &u.endpoints {
            if let Some(owner) = self.devices.get_mut(device_key(device).as_ref()) {
                *owner = u.clone();
            }
        }
    }

    /// Users assigned to a group, sorted by name.
    pub fn members(&self, group: &GroupNumber) -> Vec<&User> {
        let mut members: Vec<&User> = self
            .users
            .values()
            .filter(|u| u.group.as_ref() == Some(group))
            .map(|u| &**u)
            .collect();
        members.sort_by(|a, b| a.name.cmp(&b.name));
        members
    }
}

fn section_type(section: &Section) -> Option<&str> {
    section
        .entries
        .iter()
        .find(|e| e.key == "type")
        .map(|e| e.value.as_str())
}

fn type_line(section: &Section) -> u32 {
    section
        .entries
        .iter()
        .find(|e| e.key == "type")
        .map_or(section.line, |e| e.line)
}

/// Asterisk's notion of a boolean setting (`ast_true` / `ast_false`).
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "y" | "t" | "1" | "on" => Some(true),
        "no" | "false" | "n" | "f" | "0" | "off" => Some(false),
        _ => None,
    }
}

/// `pickupfailtone`: a tone name; `yes` is the default tone, `no` (or an
/// empty value) silence.
fn fail_tone(value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    match parse_bool(value) {
        Some(false) => None,
        Some(true) => Some(DEFAULT_FAIL_TONE.to_string()),
        None => Some(value.to_string()),
    }
}

/// Splits a comma separated list, dropping blanks around items.
pub fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A `pickup_by` list, checked against the users once all are read.
struct PickupList {
    file: String,
    line: u32,
    section: String,
    value: String,
    users: Vec<String>,
}

#[derive(Default)]
struct Builder {
    config: Config,
    errors: Vec<ConfigError>,
    pickup_lists: Vec<PickupList>,
}

impl Builder {
    fn error(&mut self, section: &Section, line: u32, message: String) {
        self.errors.push(ConfigError {
            file: section.file.clone(),
            line,
            message,
        });
    }

    fn unknown_key(&mut self, section: &Section, entry: &Entry, allowed: &str) {
        self.error(
            section,
            entry.line,
            format!(
                "[{}]: unknown option '{}' (expected one of: {allowed})",
                section.name,
                quote(&entry.key)
            ),
        );
    }

    fn bool_value(&mut self, section: &Section, entry: &Entry) -> bool {
        parse_bool(&entry.value).unwrap_or_else(|| {
            self.error(
                section,
                entry.line,
                format!(
                    "[{}]: {} = '{}' is not yes or no",
                    section.name,
                    entry.key,
                    quote(&entry.value)
                ),
            );
            false
        })
    }

    fn cluster(&mut self, section: &Section) {
        if self.config.cluster.is_some() {
            self.error(
                section,
                section.line,
                "[cluster]: section [cluster] is configured twice; merge them into one".into(),
            );
            return;
        }
        match cluster_config::parse(section) {
            Ok(settings) => self.config.cluster = Some(settings),
            Err(problems) => {
                for (line, message) in problems {
                    self.error(section, line, message);
                }
            }
        }
    }

    fn general(&mut self, section: &Section) {
        for entry in &section.entries {
            match entry.key.as_str() {
                "context" => {
                    if entry.value.is_empty() || entry.value.contains(|c: char| c.is_whitespace()) {
                        self.error(
                            section,
                            entry.line,
                            format!(
                                "[general]: context = '{}' is not a dialplan context name",
                                quote(&entry.value)
                            ),
                        );
                    }
                    self.config.general.context = entry.value.clone();
                }
                "pickupsound" => self.config.general.pickupsound = entry.value.clone(),
                "pickupfailsound" => self.config.general.pickupfailsound = entry.value.clone(),
                "pickupfailtone" => {
                    self.config.general.pickupfailtone = fail_tone(&entry.value);
                }
                "blf" => self.config.general.blf = self.bool_value(section, entry),
                "notify_message" => {
                    self.config.general.notify_message = self.bool_value(section, entry)
                }
                "exclude_queue_calls" => {
                    self.config.general.exclude_queue_calls = self.bool_value(section, entry)
                }
                _ => self.unknown_key(
                    section,
                    entry,
                    "context, pickupsound, pickupfailsound, pickupfailtone, blf, notify_message, exclude_queue_calls",
                ),
            }
        }
    }

    fn number(&mut self, section: &Section, entry: &Entry) -> Option<GroupNumber> {
        match entry.value.parse::<GroupNumber>() {
            Ok(n) => Some(n),
            Err(e) => {
                self.error(
                    section,
                    entry.line,
                    format!("[{}]: {} = {}", section.name, entry.key, e),
                );
                None
            }
        }
    }

    fn range(&mut self, section: &Section) {
        let (mut start, mut end) = (None, None);
        let mut line = section.line;
        for entry in &section.entries {
            match entry.key.as_str() {
                "type" => {}
                "start" => {
                    start = self.number(section, entry);
                    line = entry.line;
                }
                "end" => end = self.number(section, entry),
                _ => self.unknown_key(section, entry, "type, start, end"),
            }
        }
        let (Some(start), Some(end)) = (start, end) else {
            if !section.entries.iter().any(|e| e.key == "start")
                || !section.entries.iter().any(|e| e.key == "end")
            {
                self.error(
                    section,
                    section.line,
                    format!(
                        "[{}]: a range needs both start = and end = (e.g. start = *100, end = *199)",
                        section.name
                    ),
                );
            }
            return;
        };
        let added =
            Range::new(&section.name, start, end).and_then(|range| self.config.ranges.add(range));
        if let Err(message) = added {
            self.error(section, line, format!("[{}]: {message}", section.name));
        }
    }

    fn group_number_in_range(
        &mut self,
        section: &Section,
        line: u32,
        value: &str,
        what: &str,
    ) -> Option<GroupNumber> {
        match value.parse::<GroupNumber>() {
            Ok(n) if self.config.ranges.contains(&n) => Some(n),
            Ok(n) => {
                self.error(
                    section,
                    line,
                    format!(
                        "[{}]: {what} {n} is not inside any range (configured ranges: {})",
                        section.name,
                        describe_ranges(&self.config.ranges)
                    ),
                );
                None
            }
            Err(e) => {
                self.error(section, line, format!("[{}]: {what}: {e}", section.name));
                None
            }
        }
    }

    fn group(&mut self, section: &Section) {
        let Some(number) =
            self.group_number_in_range(section, type_line(section), &section.name, "group")
        else {
            return;
        };
        let mut settings = GroupSettings::default();
        for entry in &section.entries {
            match entry.key.as_str() {
                "type" => {}
                "name" => settings.name = entry.value.clone(),
                "pickup_by" => settings.pickup_by = self.pickup_by(section, entry),
                _ => self.unknown_key(section, entry, "type, name, pickup_by"),
            }
        }
        if self.config.groups.insert(number, settings).is_some() {
            self.error(
                section,
                section.line,
                format!("[{}]: group {number} is configured twice", section.name),
            );
        }
    }

    /// `anyone`, `members` (either in any case) or a list of user names.
    /// A typo must not turn into a list naming a user nobody is, which
    /// would lock everyone out without a word.
    fn pickup_by(&mut self, section: &Section, entry: &Entry) -> PickupBy {
        let value = entry.value.trim();
        if value.is_empty() || value.eq_ignore_ascii_case("anyone") {
            return PickupBy::Anyone;
        }
        if value.eq_ignore_ascii_case("members") {
            return PickupBy::Members;
        }
        let users = split_list(value);
        if let Some(keyword) = users.iter().find(|u| is_pickup_keyword(u)) {
            self.error(
                section,
                entry.line,
                format!(
                    "[{}]: pickup_by = '{}' mixes '{}' with user names (expected anyone, members, or a comma separated list of users)",
                    section.name,
                    quote(value),
                    quote(keyword)
                ),
            );
            return PickupBy::Users(Vec::new());
        }
        self.pickup_lists.push(PickupList {
            file: section.file.clone(),
            line: entry.line,
            section: section.name.clone(),
            value: value.to_string(),
            users: users.clone(),
        });
        PickupBy::Users(users)
    }

    fn check_pickup_lists(&mut self) {
        for list in std::mem::take(&mut self.pickup_lists) {
            for name in &list.users {
                if self.config.users.contains_key(name) {
                    continue;
                }
                let similar = self
                    .config
                    .users
                    .keys()
                    .filter(|u| u.eq_ignore_ascii_case(name))
                    .min()
                    .map(|u| format!("; did you mean '{}'?", quote(u)))
                    .unwrap_or_default();
                self.errors.push(ConfigError {
                    file: list.file.clone(),
                    line: list.line,
                    message: format!(
                        "[{}]: pickup_by = '{}': '{}' is not a configured user{similar} (expected anyone, members, or a comma separated list of users, each configured with type = user)",
                        list.section,
                        quote(&list.value),
                        quote(name)
                    ),
                });
            }
        }
    }

    fn user(&mut self, section: &Section) {
        let mut user = User {
            name: section.name.as_str().into(),
            endpoints: Vec::new(),
            group: None,
            source: Source::File,
            private_lines: Vec::new(),
            personal_contacts: Vec::new(),
        };
        let mut seen_group = false;
        for entry in &section.entries {
            match entry.key.as_str() {
                "type" => {}
                "endpoint" => {
                    for device in split_list(&entry.value) {
                        if !is_device(&device) {
                            self.error(
                                section,
                                entry.line,
                                format!(
                                    "[{}]: endpoint '{}' is not a device (expected Technology/resource, e.g. PJSIP/alice)",
                                    section.name,
                                    quote(&device)
                                ),
                            );
                            continue;
                        }
                        user.endpoints.push(device);
                    }
                }
                "group" => {
                    if seen_group {
                        self.error(
                            section,
                            entry.line,
                            format!(
                                "[{}]: a user is a member of at most one group; group = is given more than once",
                                section.name
                            ),
                        );
                    }
                    seen_group = true;
                    if !entry.value.trim().is_empty() {
                        user.group = self.group_number_in_range(
                            section,
                            entry.line,
                            entry.value.trim(),
                            "group",
                        );
                    }
                }
                "private_lines" => user.private_lines.extend(split_list(&entry.value)),
                "personal_contacts" => user.personal_contacts.extend(split_list(&entry.value)),
                _ => self.unknown_key(
                    section,
                    entry,
                    "type, endpoint, group, private_lines, personal_contacts",
                ),
            }
        }
        if user.endpoints.is_empty() && !section.entries.iter().any(|e| e.key == "endpoint") {
            self.error(
                section,
                type_line(section),
                format!(
                    "[{}]: a user needs endpoint = with one or more devices (e.g. endpoint = PJSIP/{})",
                    section.name, section.name
                ),
            );
        }
        let user = Arc::new(user);
        for device in &user.endpoints {
            let key = DeviceKey::new(&device_key(device));
            if let Some(owner) = self.config.devices.get(&key) {
                if owner.name != user.name {
                    let message = format!(
                        "[{}]: device {device} already belongs to user {}",
                        section.name, owner.name
                    );
                    self.error(section, type_line(section), message);
                }
                continue;
            }
            self.config.devices.insert(key, user.clone());
        }
        if self.config.users.contains_key(user.name.as_ref()) {
            self.error(
                section,
                section.line,
                format!("[{}]: user {} is configured twice", section.name, user.name),
            );
            return;
        }
        self.config.users.insert(user.name.to_string(), user);
    }
}

fn is_pickup_keyword(s: &str) -> bool {
    s.eq_ignore_ascii_case("anyone") || s.eq_ignore_ascii_case("members")
}

fn is_device(s: &str) -> bool {
    match s.split_once('/') {
        Some((tech, resource)) => {
            !tech.is_empty()
                && !resource.is_empty()
                && tech.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !resource.contains(|c: char| c.is_whitespace() || c == '&' || c == ',')
        }
        None => false,
    }
}

fn describe_ranges(ranges: &Ranges) -> String {
    if ranges.is_empty() {
        return "none".to_string();
    }
    ranges
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A small reader of the same INI format, for tests and benchmarks; the
/// module itself reads the file through Asterisk, which also handles
/// `#include`, templates and the rest of Asterisk's syntax.
pub fn sections_from_text(file: &str, text: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = (i + 1) as u32;
        let content = raw.split(';').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        if let Some(name) = content.strip_prefix('[').and_then(|s| s.split(']').next()) {
            sections.push(Section {
                name: name.to_string(),
                file: file.to_string(),
                line,
                entries: Vec::new(),
            });
            continue;
        }
        let Some((key, value)) = content.split_once('=') else {
            continue;
        };
        let value = value.strip_prefix('>').unwrap_or(value);
        if let Some(section) = sections.last_mut() {
            section.entries.push(Entry {
                key: key.trim().to_string(),
                value: value.trim().to_string(),
                line,
            });
        }
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
[general]
context = grouppickup
pickupsound = beep

[redmond-pickup]
type = range
start = *100
end = *199

[*101]
type = group
name = Sales
pickup_by = members

[alice]
type = user
endpoint = PJSIP/alice, PJSIP/alice-desk
group = *101
private_lines = 4255550100

[bob]
type = user
endpoint = PJSIP/bob
";

    fn load(text: &str) -> Result<Config, Vec<ConfigError>> {
        Config::from_sections(&sections_from_text("grouppickup.conf", text))
    }

    fn errors(text: &str) -> Vec<String> {
        load(text)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn fail_tone_is_congestion_unless_set() {
        let tone = |general: &str| {
            load(&format!("[general]\n{general}\n"))
                .unwrap()
                .general
                .pickupfailtone
        };
        assert_eq!(tone(""), Some("congestion".to_string()));
        assert_eq!(tone("pickupfailtone = busy"), Some("busy".to_string()));
        assert_eq!(tone("pickupfailtone = yes"), Some("congestion".to_string()));
        assert_eq!(tone("pickupfailtone = no"), None);
        assert_eq!(tone("pickupfailtone ="), None);
    }

    #[test]
    fn sample_loads() {
        let c = load(SAMPLE).unwrap();
        assert_eq!(c.general.context, "grouppickup");
        assert_eq!(c.general.pickupsound, "beep");
        assert!(c.general.blf && c.general.exclude_queue_calls && !c.general.notify_message);
        assert_eq!(c.ranges.len(), 1);
        let alice = &c.users["alice"];
        assert_eq!(alice.endpoints, ["PJSIP/alice", "PJSIP/alice-desk"]);
        assert_eq!(alice.group.unwrap().to_string(), "*101");
        assert_eq!(
            &*c.user_of_device("PJSIP/alice-desk").unwrap().name,
            "alice"
        );
        assert_eq!(&*c.user_of_device("pjsip/alice").unwrap().name, "alice");
        assert!(c.user_of_device("PJSIP/carol").is_none());
        assert_eq!(c.users["bob"].group, None);
        let g: GroupNumber = "*101".parse().unwrap();
        assert_eq!(c.groups[&g].pickup_by, PickupBy::Members);
        assert_eq!(c.members(&g).len(), 1);
        assert_eq!(c.resolve("*101"), Some(g));
        assert_eq!(c.resolve("*200"), None);
        assert_eq!(c.resolve("junk"), None);
    }

    #[test]
    fn errors_name_file_line_value_and_expectation() {
        let e = errors("[r]\ntype = range\nstart = *100\nend = *1999\n");
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("grouppickup.conf:3: [r]:"), "{}", e[0]);
        assert!(e[0].contains("same length"), "{}", e[0]);

        let e = errors("[r]\ntype = range\nstart = *99\nend = *99\n");
        assert!(e[0].contains("at least 100"), "{}", e[0]);

        let e = errors("[r]\ntype = range\nstart = *1x0\nend = *199\n");
        assert!(
            e[0].contains("grouppickup.conf:3") && e[0].contains("'*1x0'"),
            "{}",
            e[0]
        );
    }

    #[test]
    fn overlap_is_refused() {
        let e = errors(
            "[a]\ntype=range\nstart=*100\nend=*199\n[b]\ntype=range\nstart=*150\nend=*250\n",
        );
        assert!(e[0].contains("overlaps"), "{e:?}");
    }

    #[test]
    fn user_group_must_be_in_a_range_and_single() {
        let base = "[r]\ntype=range\nstart=*100\nend=*199\n";
        let e = errors(&format!(
            "{base}[alice]\ntype=user\nendpoint=PJSIP/alice\ngroup=*300\n"
        ));
        assert!(
            e[0].contains(":8:") && e[0].contains("not inside any range"),
            "{e:?}"
        );
        let e = errors(&format!(
            "{base}[alice]\ntype=user\nendpoint=PJSIP/alice\ngroup=*101\ngroup=*102\n"
        ));
        assert!(e[0].contains("at most one group"), "{e:?}");
    }

    #[test]
    fn users_need_devices_and_devices_one_owner() {
        let e = errors("[alice]\ntype=user\n");
        assert!(e[0].contains("needs endpoint"), "{e:?}");
        let e = errors("[alice]\ntype=user\nendpoint=alice\n");
        assert!(e[0].contains("Technology/resource"), "{e:?}");
        let e =
            errors("[alice]\ntype=user\nendpoint=PJSIP/x\n[bob]\ntype=user\nendpoint=PJSIP/x\n");
        assert!(e[0].contains("already belongs to user alice"), "{e:?}");
    }

    #[test]
    fn unknown_things_are_reported_all_at_once() {
        let e =
            errors("[general]\ncolour=blue\nblf=maybe\n[x]\nendpoint=PJSIP/x\n[y]\ntype=phone\n");
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(e[0].contains("unknown option 'colour'"));
        assert!(e[1].contains("not yes or no"));
        assert!(e[2].contains("missing 'type ='"));
        assert!(e[3].contains("unknown type 'phone'"));
    }

    const OFFICE: &str = "\
[r]
type = range
start = *100
end = *199

[*101]
type = group
";

    fn pickup_by(value: &str) -> Result<PickupBy, Vec<String>> {
        let text = format!(
            "{OFFICE}pickup_by = {value}\n[alice]\ntype = user\nendpoint = PJSIP/alice\n\
             [bob]\ntype = user\nendpoint = PJSIP/bob\n"
        );
        match load(&text) {
            Ok(c) => Ok(c.groups[&"*101".parse().unwrap()].pickup_by.clone()),
            Err(e) => Err(e.iter().map(|e| e.to_string()).collect()),
        }
    }

    #[test]
    fn pickup_by_keywords_ignore_case() {
        for v in ["anyone", "Anyone", "ANYONE", ""] {
            assert_eq!(pickup_by(v), Ok(PickupBy::Anyone), "{v}");
        }
        for v in ["members", "Members", "MEMBERS"] {
            assert_eq!(pickup_by(v), Ok(PickupBy::Members), "{v}");
        }
        assert_eq!(
            pickup_by("alice, bob"),
            Ok(PickupBy::Users(vec!["alice".into(), "bob".into()]))
        );
    }

    #[test]
    fn pickup_by_names_configured_users_only() {
        let e = pickup_by("alice, bobb").unwrap_err();
        assert_eq!(
            e,
            ["grouppickup.conf:8: [*101]: pickup_by = 'alice, bobb': 'bobb' is not a configured user \
              (expected anyone, members, or a comma separated list of users, each configured with type = user)"]
        );
        let e = pickup_by("Alice").unwrap_err();
        assert!(
            e[0].contains("'Alice' is not a configured user; did you mean 'alice'?"),
            "{e:?}"
        );
        // Users may be configured after the group that names them, and the
        // group may come before them: both orders load.
        let text = "[alice]\ntype = user\nendpoint = PJSIP/alice\n\
                    [r]\ntype = range\nstart = *100\nend = *199\n\
                    [*101]\ntype = group\npickup_by = alice\n";
        assert!(load(text).is_ok());
    }

    #[test]
    fn pickup_by_members_cannot_be_mixed_with_names() {
        for v in ["members, alice", "alice, Members", "anyone, bob"] {
            let e = pickup_by(v).unwrap_err();
            assert_eq!(e.len(), 1, "{e:?}");
            assert!(
                e[0].starts_with("grouppickup.conf:8: [*101]: pickup_by = ")
                    && e[0].contains("with user names (expected anyone, members, or a comma separated list of users)"),
                "{e:?}"
            );
        }
    }

    #[test]
    fn general_twice_is_reported_like_other_duplicates() {
        let e = errors(
            "[general]\ncontext = a\n[r]\ntype=range\nstart=*100\nend=*199\n[general]\nblf = no\n",
        );
        assert_eq!(
            e,
            [
                "grouppickup.conf:7: [general]: section [general] is configured twice \
              (first at grouppickup.conf:1); merge them into one"
            ]
        );
        let e =
            errors("[alice]\ntype=user\nendpoint=PJSIP/a\n[alice]\ntype=user\nendpoint=PJSIP/b\n");
        assert!(e[0].contains("configured twice"), "{e:?}");
    }

    #[test]
    fn booleans_follow_asterisk() {
        for v in ["yes", "TRUE", "on", "1", "y"] {
            assert_eq!(parse_bool(v), Some(true));
        }
        for v in ["no", "false", "OFF", "0", "n"] {
            assert_eq!(parse_bool(v), Some(false));
        }
        assert_eq!(parse_bool("maybe"), None);
    }
}
