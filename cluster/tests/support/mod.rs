//! What the cluster's tests share: a cluster member that records what its
//! worker told it, and calls to publish.

#![allow(dead_code)]

use grouppickup_cluster::{CallRecord, Cluster, Event};
use grouppickup_core::cluster_config::RegistryAddress;
#[allow(unused_imports)]
pub use grouppickup_testkit::redis::{sockets, threads, Server};
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
        wait_until("connected", Duration::from_secs(10), || {
            self.cluster.connected()
        });
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
