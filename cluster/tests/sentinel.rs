//! Sentinel failover with real processes: a master, two replicas, three
//! sentinels; the master is killed (kill -9) again and again while claims
//! run. Claims resume on the new master, no call is claimed twice, every
//! call still ringing stays claimable.

mod support;

use grouppickup_cluster::Claimed;
use grouppickup_core::cluster_config::RegistryAddress;
use grouppickup_testkit::redis::{master_port, replica_in_sync, role};
use std::collections::HashSet;
use std::time::{Duration, Instant};
use support::{call, fresh_view, wait_until, Member, Server};

fn g(s: &str) -> grouppickup_core::number::GroupNumber {
    s.parse().unwrap()
}

#[test]
fn claims_resume_after_the_master_is_killed_and_nothing_is_claimed_twice() {
    let kills: usize = std::env::var("GP_FAILOVER_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mut redis: Vec<Server> = vec![Server::redis(None, "")];
    let first = redis[0].port;
    redis.push(Server::redis(Some(first), ""));
    redis.push(Server::redis(Some(first), ""));
    let sentinels: Vec<Server> = (0..3).map(|_| Server::sentinel(first, "gp")).collect();
    let address = RegistryAddress::Sentinels {
        sentinels: sentinels
            .iter()
            .map(|s| ("127.0.0.1".to_string(), s.port))
            .collect(),
        master: "gp".into(),
        tls: false,
    };
    let a = Member::join("pbx-a", address.clone(), "");
    let b = Member::join("pbx-b", address, "");
    a.wait_connected();
    b.wait_connected();

    let mut next_id = 1_000u64;
    let mut claimed: HashSet<u64> = HashSet::new();
    let mut resumed = Vec::new();
    for kill in 0..kills {
        // A replica in sync with the master, as a real deployment has
        // before the next failure (a sentinel promotes no replica that
        // never caught up).
        wait_until("a replica in sync", Duration::from_secs(20), || {
            master_port(sentinels[0].port, "gp").is_some_and(|m| replica_in_sync(&redis, m))
        });
        // Calls ringing on a before the kill.
        let ringing: Vec<u64> = (0..3).map(|i| next_id + i).collect();
        next_id += 10;
        for id in &ringing {
            a.cluster.publish(call("pbx-a", *id, "*101", "alice"));
        }
        wait_until("b sees them", Duration::from_secs(10), || {
            b.cluster.remote_count(&g("*101")) >= ringing.len()
        });
        let master = master_port(sentinels[0].port, "gp").expect("a master");
        let victim = redis
            .iter_mut()
            .find(|r| r.port == master)
            .expect("the master is ours");
        let killed = Instant::now();
        victim.kill();
        // Claim until a claim succeeds again, on the new master.
        let mut first_claim = None;
        while killed.elapsed() < Duration::from_secs(15) {
            if let Ok(Claimed::There { call, .. }) = b.cluster.claim(&g("*101")) {
                assert!(claimed.insert(call.id), "call {} claimed twice", call.id);
                first_claim = Some(killed.elapsed());
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let Some(took) = first_claim else {
            let roles: Vec<String> = redis
                .iter()
                .map(|r| format!("{}: {}", r.port, role(r.port)))
                .collect();
            panic!(
                "claims did not resume after kill {}: sentinel says master {:?}; servers {roles:?}; b: {:?}, events {:?}",
                kill + 1,
                master_port(sentinels[0].port, "gp"),
                b.cluster.status(),
                b.events()
            );
        };
        resumed.push(took);
        // Every other call that still rings can be claimed, once.
        wait_until("the rest is claimable", Duration::from_secs(10), || match b
            .cluster
            .claim(&g("*101"))
        {
            Ok(Claimed::There { call, .. }) => {
                assert!(claimed.insert(call.id), "call {} claimed twice", call.id);
                ringing.iter().all(|id| claimed.contains(id))
            }
            _ => ringing.iter().all(|id| claimed.contains(id)),
        });
        for id in &ringing {
            a.cluster.remove(*id);
        }
        // b's view is the new master's: read whole after the failover,
        // then followed through the removals.
        let now_master = master_port(sentinels[0].port, "gp").expect("a master");
        wait_until(
            "b's view is the new master's",
            Duration::from_secs(10),
            || {
                b.cluster.remote_calls() == fresh_view(now_master, "pbx-b")
                    && b.cluster.remote_calls().is_empty()
            },
        );
        // The killed server comes back as a replica of the new master.
        let port = victim.port;
        *victim = Server::redis(master_port(sentinels[0].port, "gp"), "");
        let _ = port;
        println!("kill {}: first claim {:?} after the kill", kill + 1, took);
    }
    let worst = resumed.iter().max().unwrap();
    println!(
        "{kills} kills: claims resumed after at most {worst:?}; {} calls claimed, none twice",
        claimed.len()
    );
}
