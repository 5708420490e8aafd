//! The `[cluster]` section: several servers sharing one registry of ringing
//! calls (Redis or Valkey, one server or a set watched by Sentinel). Without
//! the section nothing of it exists.

use super::config::{Entry, Section};
use super::quote::quote;

/// Where the shared registry is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryAddress {
    /// One server: `redis://host:port/db` (or `rediss://` for TLS).
    Server(String),
    /// Sentinels watching the master called `master`.
    Sentinels {
        sentinels: Vec<(String, u16)>,
        master: String,
        /// TLS towards the master and the sentinels.
        tls: bool,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterSettings {
    /// This server's name, unique in the cluster; `None` means the host's
    /// default (the adapter decides: Asterisk's systemname, else the host
    /// name).
    pub node: Option<String>,
    pub registry: RegistryAddress,
    /// AUTH password, if the registry needs one; never logged.
    pub password: String,
    /// How this server dials another one to take a call ringing there:
    /// `{node}` is that server, `{token}` the claim.
    pub peer_dial: String,
    /// Where this server accepts those calls from the other servers.
    pub peer_context: String,
}

pub const DEFAULT_PEER_DIAL: &str = "PJSIP/{token}@{node}";
pub const DEFAULT_PEER_CONTEXT: &str = "grouppickup-peers";

/// Whether `name` can be a node's name: it appears in registry keys and in
/// dial strings, so letters, digits, `-`, `_` and `.`, at most 64.
pub fn valid_node_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// One error: the line and what is wrong.
pub type Problem = (u32, String);

/// Reads the section; every problem is reported at its line.
pub fn parse(section: &Section) -> Result<ClusterSettings, Vec<Problem>> {
    let mut problems: Vec<Problem> = Vec::new();
    let mut node = None;
    let mut server: Option<&Entry> = None;
    let mut sentinels: Option<&Entry> = None;
    let mut master: Option<&Entry> = None;
    let mut password = String::new();
    let mut peer_dial = DEFAULT_PEER_DIAL.to_string();
    let mut peer_context = DEFAULT_PEER_CONTEXT.to_string();
    for entry in &section.entries {
        let value = entry.value.trim();
        let mut bad = |expected: &str| {
            problems.push((
                entry.line,
                format!(
                    "[cluster]: {} = '{}' {expected}",
                    entry.key,
                    quote(&entry.value)
                ),
            ))
        };
        match entry.key.as_str() {
            "node" if value.is_empty() => {}
            "node" if valid_node_name(value) => node = Some(value.to_string()),
            "node" => bad("is not a node name (letters, digits, '-', '_' and '.', at most 64)"),
            "redis" => {
                if value.starts_with("redis://") || value.starts_with("rediss://") {
                    server = Some(entry)
                } else {
                    bad("is not a Redis address (expected redis://host:port/db or rediss://...)")
                }
            }
            "sentinels" => match sentinel_list(value) {
                Some(_) => sentinels = Some(entry),
                None => bad("is not a list of host:port (expected e.g. 127.0.0.1:26379, 127.0.0.1:26380)"),
            },
            "sentinel_master" if value.is_empty() => bad("is empty (expected the master name the sentinels watch)"),
            "sentinel_master" => master = Some(entry),
            "password" => password = entry.value.clone(),
            "peer_dial" => {
                if value.contains("{token}") && value.contains("{node}") && value.contains('/') {
                    peer_dial = value.to_string()
                } else {
                    bad("needs a technology and both {token} and {node} (e.g. PJSIP/{token}@{node})")
                }
            }
            "peer_context" => {
                if value.is_empty() || value.contains(char::is_whitespace) {
                    bad("is not a dialplan context name")
                } else {
                    peer_context = value.to_string()
                }
            }
            _ => problems.push((
                entry.line,
                format!(
                    "[cluster]: unknown option '{}' (expected one of: node, redis, sentinels, sentinel_master, password, peer_dial, peer_context)",
                    quote(&entry.key)
                ),
            )),
        }
    }
    let registry = match (server, sentinels) {
        (Some(s), None) => Some(RegistryAddress::Server(s.value.trim().to_string())),
        (None, Some(list)) => match master {
            Some(m) => Some(RegistryAddress::Sentinels {
                sentinels: sentinel_list(list.value.trim()).unwrap_or_default(),
                master: m.value.trim().to_string(),
                tls: false,
            }),
            None => {
                problems.push((
                    list.line,
                    "[cluster]: sentinels = needs sentinel_master = the name of the master they watch".into(),
                ));
                None
            }
        },
        (Some(_), Some(list)) => {
            problems.push((
                list.line,
                "[cluster]: give either redis = (one server) or sentinels = (with sentinel_master =), not both".into(),
            ));
            None
        }
        (None, None) => {
            problems.push((
                section.line,
                "[cluster]: needs redis = redis://host:port/db, or sentinels = host:port, ... with sentinel_master =".into(),
            ));
            None
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(ClusterSettings {
        node,
        registry: registry.expect("checked above"),
        password,
        peer_dial,
        peer_context,
    })
}

fn sentinel_list(value: &str) -> Option<Vec<(String, u16)>> {
    let list: Option<Vec<(String, u16)>> = value
        .split(',')
        .map(|item| {
            let (host, port) = item.trim().rsplit_once(':')?;
            let port: u16 = port.parse().ok().filter(|p| *p > 0)?;
            (!host.is_empty()).then(|| (host.to_string(), port))
        })
        .collect();
    list.filter(|l| !l.is_empty())
}

impl ClusterSettings {
    /// The dial string that takes the call claimed with `token` on `node`.
    pub fn peer_dial_for(&self, node: &str, token: &str) -> String {
        self.peer_dial
            .replace("{node}", node)
            .replace("{token}", token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(text: &str) -> Section {
        Section {
            name: "cluster".into(),
            file: "t.conf".into(),
            line: 1,
            entries: text
                .lines()
                .enumerate()
                .filter_map(|(i, l)| {
                    let (k, v) = l.split_once('=')?;
                    Some(Entry {
                        key: k.trim().into(),
                        value: v.trim().into(),
                        line: i as u32 + 2,
                    })
                })
                .collect(),
        }
    }

    #[test]
    fn one_server_or_sentinels() {
        let s = parse(&section("node = pbx-a\nredis = redis://127.0.0.1:6379/0")).unwrap();
        assert_eq!(s.node.as_deref(), Some("pbx-a"));
        assert_eq!(
            s.registry,
            RegistryAddress::Server("redis://127.0.0.1:6379/0".into())
        );
        assert_eq!(s.peer_dial_for("pbx-b", "t0k"), "PJSIP/t0k@pbx-b");
        assert_eq!(s.peer_context, DEFAULT_PEER_CONTEXT);
        let s = parse(&section(
            "sentinels = 127.0.0.1:26379, 127.0.0.2:26380\nsentinel_master = gp\npassword = s3cret",
        ))
        .unwrap();
        assert_eq!(
            s.registry,
            RegistryAddress::Sentinels {
                sentinels: vec![("127.0.0.1".into(), 26379), ("127.0.0.2".into(), 26380)],
                master: "gp".into(),
                tls: false
            }
        );
        assert_eq!(s.node, None);
        assert_eq!(s.password, "s3cret");
    }

    #[test]
    fn mistakes_are_named_at_their_line() {
        let e = parse(&section(
            "node = pbx a\nredis = localhost:6379\nsentinels = x\npeer_dial = PJSIP/{token}\ncolour = blue",
        ))
        .unwrap_err();
        let text: Vec<String> = e.iter().map(|(l, m)| format!("{l}: {m}")).collect();
        assert!(
            text[0].starts_with("2: [cluster]: node = 'pbx a' is not a node name"),
            "{text:?}"
        );
        assert!(
            text[1].starts_with("3: [cluster]: redis = 'localhost:6379' is not a Redis address")
        );
        assert!(text[2].starts_with("4: [cluster]: sentinels = 'x' is not a list of host:port"));
        assert!(text[3].contains("needs a technology and both {token} and {node}"));
        assert!(text[4].contains("unknown option 'colour'"));
        let e = parse(&section("sentinels = 127.0.0.1:26379")).unwrap_err();
        assert!(e[0].1.contains("needs sentinel_master"), "{e:?}");
        let e = parse(&section("")).unwrap_err();
        assert!(e[0].1.contains("needs redis ="), "{e:?}");
        let e = parse(&section(
            "redis = redis://a\nsentinels = a:1\nsentinel_master = m",
        ))
        .unwrap_err();
        assert!(e[0].1.contains("not both"), "{e:?}");
    }

    #[test]
    fn node_names() {
        assert!(valid_node_name("pbx-a.example_1"));
        for bad in ["", "a b", "a/b", "a{b", &"x".repeat(65)] {
            assert!(!valid_node_name(bad), "{bad}");
        }
    }
}
