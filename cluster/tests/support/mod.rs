//! What the cluster's tests share: a cluster member that records what its
//! worker told it, calls to publish, the registry read whole to compare a
//! member's view with, and a registry that can be restarted in place.

#![allow(dead_code)]

use grouppickup_cluster::{CallRecord, Cluster, Event, RemoteCall, TICK};
use grouppickup_core::cluster_config::RegistryAddress;
#[allow(unused_imports)]
pub use grouppickup_testkit::redis::{sockets, threads, Server};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A cluster member and what its worker told it.
pub struct Member {
    pub cluster: Cluster,
    pub events: Arc<Mutex<Vec<Event>>>,
}

impl Member {
    pub fn join(node: &str, address: RegistryAddress, password: &str) -> Member {
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        let cluster = Cluster::start(node, address, password, move |e| {
            seen.lock().unwrap().push(e)
        });
        Member { cluster, events }
    }

    pub fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }

    /// Waits until the worker is connected.
    pub fn wait_connected(&self) {
        let start = Instant::now();
        while !self.cluster.connected() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "timed out waiting for connected; events: {:?}",
                self.events()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

pub fn server(url: &str) -> RegistryAddress {
    RegistryAddress::Server(url.to_string())
}

pub fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
    start.elapsed()
}

pub fn call(node: &str, id: u64, group: &str, user: &str) -> CallRecord {
    CallRecord {
        node: node.to_string(),
        id,
        group: group.parse().unwrap(),
        user: user.to_string(),
        caller_number: "4255550199".into(),
        caller_name: "Caller".into(),
        legs: vec![format!("PJSIP/{user}-00000001")],
    }
}

/// A connection of the test's own to a registry.
pub fn registry(port: u16) -> redis::Connection {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/0")).unwrap();
    let con = client
        .get_connection_with_timeout(Duration::from_secs(2))
        .unwrap();
    con.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    con
}

/// What `observer` should show of the registry at `port`, read whole and
/// afresh: every stored call of the other live servers, with its claim,
/// oldest first.
pub fn fresh_view(port: u16, observer: &str) -> Vec<RemoteCall> {
    let mut con = registry(port);
    let (calls, claimed, nodes): (
        HashMap<String, String>,
        HashMap<String, String>,
        Vec<String>,
    ) = redis::pipe()
        .atomic()
        .hgetall("grouppickup:calls")
        .hgetall("grouppickup:claimed")
        .smembers("grouppickup:nodes")
        .query(&mut con)
        .unwrap();
    let mut alive = Vec::new();
    for node in nodes {
        let beat: Option<String> = redis::cmd("GET")
            .arg(format!("grouppickup:node:{node}"))
            .query(&mut con)
            .unwrap();
        if beat.is_some() {
            alive.push(node);
        }
    }
    let mut view: Vec<RemoteCall> = calls
        .iter()
        .filter_map(|(m, s)| CallRecord::decode(m, s))
        .filter(|c| c.node != observer && alive.contains(&c.node))
        .map(|call| RemoteCall {
            claimed: claimed.contains_key(&call.member()),
            call,
        })
        .collect();
    view.sort_by(|a, b| (a.call.id, &a.call.node).cmp(&(b.call.id, &b.call.node)));
    view
}

/// How many times the registry was read whole since it started: each
/// reading starts with the change log's last entry (XREVRANGE), which
/// nothing else asks for.
pub fn whole_reads(port: u16) -> u64 {
    let text: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut registry(port))
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("cmdstat_xrevrange:calls="))
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Waits until nothing changes in the registry at `port` for three ticks
/// and `settled` holds then.
pub fn wait_settled(what: &str, port: u16, mut settled: impl FnMut() -> bool) {
    let version = || -> Option<i64> {
        redis::cmd("GET")
            .arg("grouppickup:version")
            .query(&mut registry(port))
            .unwrap()
    };
    wait_until(what, Duration::from_secs(15), || {
        let before = version();
        std::thread::sleep(3 * TICK);
        before == version() && settled()
    });
}

/// A redis-server on a port and in a directory of the test's choosing, so
/// that it can be killed and another one started in its place: empty, or
/// from an older snapshot (`dump.rdb` in its directory). Killed by its PID
/// when dropped.
pub struct Restartable {
    pub port: u16,
    pub dir: PathBuf,
    child: Child,
}

impl Restartable {
    pub fn start(port: u16, dir: &Path) -> Restartable {
        std::fs::create_dir_all(dir).unwrap();
        let conf = dir.join("redis.conf");
        std::fs::write(
            &conf,
            format!(
                "port {port}\nbind 127.0.0.1\nsave \"\"\nappendonly no\ndaemonize no\n\
                 dir {}\ndbfilename dump.rdb\n",
                dir.display()
            ),
        )
        .unwrap();
        let child = Command::new("redis-server")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server");
        let server = Restartable {
            port,
            dir: dir.to_path_buf(),
            child,
        };
        wait_until("redis-server answers", Duration::from_secs(10), || {
            redis::Client::open(format!("redis://127.0.0.1:{port}/0"))
                .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(200)))
                .and_then(|mut con| redis::cmd("PING").query::<String>(&mut con))
                .is_ok()
        });
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }
}

impl Drop for Restartable {
    fn drop(&mut self) {
        // SIGKILL to this child's PID, as a crash.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory of the test's own, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(what: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "grouppickup-cluster-test-{}-{what}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
