//! The cluster's office: three Asterisks pbx-a, pbx-b and pbx-c (own
//! directories, own systemname, PJSIP trunks between them) sharing one
//! registry, a redis-server on a free loopback port or, with Sentinel, a
//! master, two replicas and three sentinels. alice's phone is on pbx-a,
//! erin's on pbx-b (both in group *101); bob is on pbx-b and dave on pbx-c.
//! A test may add phones to each server (more callers and pickers).

use crate::pbx::{NodeSpec, Pbx, PbxSpec, OFFICE_WITH_ALICE};
use crate::ports::free_port;
use crate::redis::{master_port, Server};

pub const NODES: [&str; 3] = ["pbx-a", "pbx-b", "pbx-c"];
/// The master name the sentinels watch.
pub const SENTINEL_MASTER: &str = "grouppickup";

/// The smallest office, with erin in alice's group and bob in none.
const OFFICE_MORE: &str = "
[erin]
type = user
endpoint = PJSIP/erin
group = *101

[bob]
type = user
endpoint = PJSIP/bob
";

/// 2001 rings alice (on pbx-a), 2005 erin (on pbx-b).
const DIALPLAN: &str = "exten => 2001,1,Dial(PJSIP/alice,60)\n\
                        exten => 2005,1,Dial(PJSIP/erin,60)\n";

#[derive(Default)]
pub struct OfficeSpec {
    /// Phones each server has besides the office's own.
    pub extra_phones: [Vec<String>; 3],
    /// The registry behind Sentinel (one master, two replicas, three
    /// sentinels) rather than one redis-server.
    pub sentinel: bool,
    /// Settings added to every server's `[general]` section.
    pub general: &'static str,
}

pub struct Office {
    /// The Redis servers; the first is the master at the start.
    pub redis: Vec<Server>,
    /// The sentinels, when the registry is behind Sentinel.
    pub sentinels: Vec<Server>,
    pub pbx: Vec<Pbx>,
}

impl Office {
    pub fn start() -> Office {
        Office::start_with(OfficeSpec::default())
    }

    pub fn start_with(spec: OfficeSpec) -> Office {
        let mut redis = vec![Server::redis(None, "")];
        let mut sentinels = Vec::new();
        let registry = if spec.sentinel {
            let master = redis[0].port;
            redis.push(Server::redis(Some(master), ""));
            redis.push(Server::redis(Some(master), ""));
            sentinels = (0..3)
                .map(|_| Server::sentinel(master, SENTINEL_MASTER))
                .collect();
            let list: Vec<String> = sentinels
                .iter()
                .map(|s| format!("127.0.0.1:{}", s.port))
                .collect();
            format!(
                "sentinels = {}\nsentinel_master = {SENTINEL_MASTER}\n",
                list.join(", ")
            )
        } else {
            format!("redis = {}\n", redis[0].url())
        };
        let ports: Vec<u16> = NODES.iter().map(|_| free_port()).collect();
        let own = [
            vec!["alice", "caller1"],
            vec!["bob", "erin", "caller2"],
            vec!["dave"],
        ];
        let pbx = NODES
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let mut node = NodeSpec {
                    system_name: name.to_string(),
                    sip_port: ports[i],
                    pjsip: String::new(),
                };
                for (j, peer) in NODES.iter().enumerate().filter(|(j, _)| *j != i) {
                    node.pjsip += &node.trunk(peer, ports[j], "grouppickup-peers");
                }
                let office = OFFICE_WITH_ALICE.replacen(
                    "[general]\n",
                    &format!("[general]\n{}", spec.general),
                    1,
                );
                let conf = format!("{office}{OFFICE_MORE}\n[cluster]\n{registry}");
                let mut phones = own[i].clone();
                phones.extend(spec.extra_phones[i].iter().map(String::as_str));
                Pbx::start_node(PbxSpec::new(&phones, &conf, DIALPLAN), node)
            })
            .collect();
        Office {
            redis,
            sentinels,
            pbx,
        }
    }

    pub fn a(&self) -> &Pbx {
        &self.pbx[0]
    }

    pub fn b(&self) -> &Pbx {
        &self.pbx[1]
    }

    pub fn c(&self) -> &Pbx {
        &self.pbx[2]
    }

    /// Every server sees `n` calls in `show ringing` within 1 s (after the
    /// wait for the first one's own index).
    pub fn wait_everywhere(&self, n: usize) -> Vec<String> {
        self.pbx.iter().map(|p| p.wait_ringing(n)).collect()
    }

    /// The Redis server that is the master now: the sentinels' word with
    /// Sentinel, else the only one.
    pub fn master(&mut self) -> &mut Server {
        let port = match self.sentinels.first() {
            Some(s) => master_port(s.port, SENTINEL_MASTER).expect("the sentinels name a master"),
            None => self.redis[0].port,
        };
        self.redis
            .iter_mut()
            .find(|r| r.port == port)
            .expect("the master is one of ours")
    }
}
