//! The `[cluster]` section in Asterisk: this server joins the shared
//! registry (grouppickup-cluster), its calls into `peer_context` from the
//! other servers run GroupPickupPeer(token), and what the registry tells
//! (outages, the others' calls, runtime assignments) is logged, lit on the
//! lamps and put in force.

use super::assignments::{self, DB_FAMILY};
use super::host::{db, dialplan, events, module as host_module};
use super::{lamps, log, module};
use grouppickup_cluster::{Cluster, Event, State, Status};
use grouppickup_core::assignments::Assignments;
use grouppickup_core::cluster_config::{valid_node_name, ClusterSettings};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::SystemTime;

/// The extension that takes every token in `peer_context`.
const PEER_PATTERN: &str = "_[0-9a-f].";
const PEER_APP: &str = "GroupPickupPeer";

/// This server's name: the configured `node`, else Asterisk's systemname,
/// else the host name.
pub fn node_name(settings: &ClusterSettings) -> Result<String, String> {
    if let Some(node) = &settings.node {
        return Ok(node.clone());
    }
    let system = host_module::system_name();
    let name = if system.is_empty() {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .unwrap_or_default()
            .trim()
            .to_string()
    } else {
        system
    };
    if valid_node_name(&name) {
        Ok(name)
    } else {
        Err(format!(
            "[cluster]: no node = given, and '{name}' (Asterisk's systemname, else the host name) is not a node name; set node = in grouppickup.conf"
        ))
    }
}

/// A running membership of the cluster, and what it registered.
pub struct Membership {
    pub cluster: Arc<Cluster>,
    pub settings: ClusterSettings,
}

/// Joins the cluster `settings` describe.
pub fn join(settings: &ClusterSettings) -> Result<Membership, String> {
    let node = node_name(settings)?;
    if !dialplan::create_context(&settings.peer_context)
        || !dialplan::add_extension(&settings.peer_context, PEER_PATTERN, PEER_APP, "${EXTEN}")
    {
        log::warning(&format!(
            "grouppickup: could not register {PEER_PATTERN} in context '{}'; other servers cannot take calls ringing here",
            settings.peer_context
        ));
    }
    let cluster = Arc::new(Cluster::start(
        &node,
        settings.registry.clone(),
        &settings.password,
        on_event,
    ));
    log::verbose(&format!(
        "grouppickup: this server is '{node}' in the cluster of {}",
        cluster.status().registry
    ));
    Ok(Membership {
        cluster,
        settings: settings.clone(),
    })
}

/// Leaves the cluster: no thread, connection or extension of it remains.
pub fn leave(membership: Membership) {
    membership.cluster.stop();
    dialplan::remove_extension(&membership.settings.peer_context, PEER_PATTERN);
}

/// What the registry's worker tells, on its own thread.
fn on_event(event: Event) {
    match event {
        Event::Degraded(reason) => log::warning(&format!(
            "grouppickup: the cluster registry cannot be reached ({reason}); this server picks up its own calls alone until it is back"
        )),
        Event::Recovered { master } => log::notice(&format!(
            "grouppickup: the cluster registry is reached again at {master}; this server's ringing calls are published again"
        )),
        Event::Changed(groups) => {
            if let Some(module) = module::get() {
                lamps::update(&module.arbiter, groups);
            }
        }
        Event::Assignments(all) => {
            if let Some(module) = module::get() {
                apply_assignments(&module, &all);
            }
        }
    }
}

/// The cluster's runtime assignments, put in force here and kept in the
/// AstDB too (for a start while the registry cannot be reached).
fn apply_assignments(module: &module::Module, all: &[(String, String)]) {
    let (shared, mut problems) = Assignments::from_db(
        "cluster registry",
        all.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    problems.extend(module.arbiter.replace_assignments(shared));
    assignments::report(&problems);
    let mut stored: Vec<String> = Vec::new();
    db::read(DB_FAMILY, |key, _| stored.push(key.to_string()));
    for key in stored.iter().filter(|k| !all.iter().any(|(u, _)| u == *k)) {
        db::del(DB_FAMILY, key);
    }
    for (user, value) in all {
        db::put(DB_FAMILY, user, value);
    }
    events::replay();
    module.lamps_refresh();
}

/// `grouppickup show cluster`.
pub fn status_text(status: &Status) -> String {
    let mut out = String::new();
    let state = match &status.state {
        State::Connected => "connected".to_string(),
        State::Starting => "connecting".to_string(),
        State::Degraded { since } => {
            let ago = SystemTime::now()
                .duration_since(*since)
                .unwrap_or_default()
                .as_secs_f64();
            format!("degraded since {ago:.1}s ago (picking up this server's calls alone)")
        }
    };
    let rows = [
        ("Node", status.node.clone()),
        ("Registry", status.registry.clone()),
        (
            "Master",
            status.master.clone().unwrap_or_else(|| "-".into()),
        ),
        ("State", state),
    ];
    for (name, value) in rows {
        let _ = writeln!(out, "{:<10} {value}", format!("{name}:"));
    }
    let _ = writeln!(out, "\n{:<24} {:>10} {:>8}", "Node", "Heartbeat", "Ringing");
    let mut live = 0;
    for node in &status.nodes {
        let Some(age) = node.heartbeat_age else {
            continue;
        };
        live += 1;
        let _ = writeln!(
            out,
            "{:<24} {:>9.1}s {:>8}",
            node.name,
            age.as_secs_f64(),
            node.calls
        );
    }
    let _ = writeln!(out, "{live} live node(s)");
    out
}
