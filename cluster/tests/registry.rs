//! The cluster against a real redis-server: claims across servers, oldest
//! first, exactly one winner, tokens, a server that dies, a registry that
//! freezes.

mod support;

use grouppickup_cluster::{Claimed, Event, Refused, BUDGET};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};
use support::{call, server, wait_until, Member, Server};

const WAIT: Duration = Duration::from_secs(10);

/// A registry, and pbx-a and pbx-b connected to it.
fn two_servers() -> (Server, Member, Member) {
    let redis = Server::redis(None, "");
    let a = Member::join("pbx-a", server(&redis.url()), "");
    let b = Member::join("pbx-b", server(&redis.url()), "");
    a.wait_connected();
    b.wait_connected();
    (redis, a, b)
}

fn g(s: &str) -> grouppickup_core::number::GroupNumber {
    s.parse().unwrap()
}

#[test]
fn a_call_ringing_on_one_server_is_claimed_from_another_with_a_single_use_token() {
    let (_redis, a, b) = two_servers();
    a.cluster.publish(call("pbx-a", 1_000, "*101", "alice"));
    wait_until("b sees a's call", WAIT, || {
        b.cluster.remote_count(&g("*101")) == 1
    });
    assert_eq!(
        b.events()
            .iter()
            .filter(|e| matches!(e, Event::Changed(_)))
            .count(),
        1
    );

    let Claimed::There {
        call: claimed,
        token,
    } = b.cluster.claim(&g("*101")).unwrap()
    else {
        panic!("b should get a's call");
    };
    assert_eq!((claimed.node.as_str(), claimed.id), ("pbx-a", 1_000));
    assert_eq!(
        b.cluster.claim(&g("*101")).unwrap(),
        Claimed::Nothing,
        "claimed once"
    );
    wait_until("shown as claimed", WAIT, || {
        b.cluster.remote_count(&g("*101")) == 0
    });
    assert!(b.cluster.remote_calls()[0].claimed);
    // The token is good on a, once; b (another server) cannot use it.
    assert_eq!(
        b.cluster.redeem(&token),
        Err(Refused::OtherNode("pbx-a/1000".into()))
    );
    b.cluster.release(&claimed);
    wait_until("released", WAIT, || b.cluster.remote_count(&g("*101")) == 1);
    let Claimed::There { token, .. } = b.cluster.claim(&g("*101")).unwrap() else {
        panic!("released, so claimable again");
    };
    assert_eq!(a.cluster.redeem(&token), Ok((1_000, "pbx-b".to_string())));
    assert_eq!(a.cluster.redeem(&token), Err(Refused::Unknown), "replayed");
    assert_eq!(
        a.cluster.redeem("0123456789abcdef0123456789abcdef"),
        Err(Refused::Unknown),
        "made up"
    );
    assert_eq!(
        a.cluster.redeem("x; DEL *"),
        Err(Refused::Unknown),
        "not a token"
    );
    a.cluster.remove(1_000);
    wait_until("gone everywhere", WAIT, || {
        b.cluster.remote_calls().is_empty()
    });
}

#[test]
fn the_oldest_call_of_the_group_on_any_server_comes_first() {
    let redis = Server::redis(None, "");
    let a = Member::join("pbx-a", server(&redis.url()), "");
    let b = Member::join("pbx-b", server(&redis.url()), "");
    let c = Member::join("pbx-c", server(&redis.url()), "");
    for m in [&a, &b, &c] {
        m.wait_connected();
    }
    b.cluster.publish(call("pbx-b", 2_000, "*101", "bob"));
    a.cluster.publish(call("pbx-a", 1_000, "*101", "alice"));
    a.cluster.publish(call("pbx-a", 3_000, "*101", "alice"));
    a.cluster.publish(call("pbx-a", 500, "*102", "erin"));
    wait_until("c sees all", WAIT, || c.cluster.remote_calls().len() == 4);
    let order: Vec<(String, u64)> =
        std::iter::from_fn(|| match b.cluster.claim(&g("*101")).unwrap() {
            Claimed::There { call, .. } => Some((call.node, call.id)),
            Claimed::Here(id) => Some(("pbx-b".into(), id)),
            Claimed::Nothing => None,
        })
        .collect();
    assert_eq!(
        order,
        [
            ("pbx-a".into(), 1_000),
            ("pbx-b".into(), 2_000),
            ("pbx-a".into(), 3_000)
        ]
    );
}

#[test]
fn exactly_one_claim_wins_whatever_the_timing() {
    let redis = Server::redis(None, "");
    let servers: Vec<Arc<Member>> = ["pbx-a", "pbx-b", "pbx-c"]
        .iter()
        .map(|n| Arc::new(Member::join(n, server(&redis.url()), "")))
        .collect();
    for m in &servers {
        m.wait_connected();
    }
    let rounds = 50;
    let (mut won, mut lost) = (0, 0);
    for round in 0..rounds {
        // k calls, 2k pickers spread over the servers.
        let k = 1 + round % 3;
        for i in 0..k {
            let id = 10_000 + (round * 10 + i) as u64;
            servers[i % 3].cluster.publish(call(
                servers[i % 3].cluster.node(),
                id,
                "*101",
                "alice",
            ));
        }
        // Each call is seen by the next server: it is in the registry.
        wait_until("published", WAIT, || {
            (0..k).all(|i| {
                let id = 10_000 + (round * 10 + i) as u64;
                servers[(i + 1) % 3]
                    .cluster
                    .remote_calls()
                    .iter()
                    .any(|c| c.call.id == id)
            })
        });
        let barrier = Arc::new(Barrier::new(2 * k));
        let pickers: Vec<_> = (0..2 * k)
            .map(|p| {
                let (member, barrier) = (servers[p % 3].clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    member.cluster.claim(&g("*101")).unwrap()
                })
            })
            .collect();
        let results: Vec<Claimed> = pickers.into_iter().map(|t| t.join().unwrap()).collect();
        let mut taken: Vec<String> = results
            .iter()
            .filter_map(|r| match r {
                Claimed::There { call, .. } => Some(call.member()),
                Claimed::Here(id) => Some(format!("{id}")),
                Claimed::Nothing => None,
            })
            .collect();
        let winners = taken.len();
        taken.sort();
        taken.dedup();
        assert_eq!(
            taken.len(),
            winners,
            "round {round}: a call was claimed twice"
        );
        assert_eq!(winners, k, "round {round}: every call claimed once");
        won += winners;
        lost += 2 * k - winners;
        for i in 0..k {
            let id = 10_000 + (round * 10 + i) as u64;
            servers[i % 3].cluster.remove(id);
        }
        wait_until("cleared", WAIT, || {
            servers.iter().all(|m| m.cluster.remote_calls().is_empty())
        });
    }
    println!("{rounds} rounds: {won} claims won, {lost} found nothing, none twice");
}

#[test]
fn a_server_that_dies_is_not_offered_within_three_seconds() {
    let (_redis, a, b) = two_servers();
    a.cluster.publish(call("pbx-a", 1_000, "*101", "alice"));
    wait_until("b sees it", WAIT, || {
        b.cluster.remote_count(&g("*101")) == 1
    });
    // As if pbx-a crashed: its worker stops, its call stays in the registry.
    let died = Instant::now();
    a.cluster.stop();
    let mut offered_until = Duration::ZERO;
    wait_until("no longer offered", WAIT, || {
        let shown = b.cluster.remote_count(&g("*101")) > 0;
        if shown {
            offered_until = died.elapsed();
        }
        !shown
    });
    let gone = died.elapsed();
    assert!(gone < Duration::from_secs(3), "still shown after {gone:?}");
    assert_eq!(b.cluster.claim(&g("*101")).unwrap(), Claimed::Nothing);
    println!("a dead server's call left the view after {gone:?}");
}

#[test]
fn a_frozen_registry_degrades_within_the_budget_and_recovery_republishes() {
    let (redis, a, b) = two_servers();
    a.cluster.publish(call("pbx-a", 1_000, "*101", "alice"));
    wait_until("b sees it", WAIT, || {
        b.cluster.remote_count(&g("*101")) == 1
    });

    redis.freeze();
    let mut longest = Duration::ZERO;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        let t = Instant::now();
        let got = b.cluster.claim(&g("*101"));
        longest = longest.max(t.elapsed());
        assert!(got.is_err(), "nothing can be claimed while frozen: {got:?}");
        // A call that starts ringing meanwhile is kept for later.
        if a.cluster.connected() {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    a.cluster.publish(call("pbx-a", 2_000, "*101", "alice"));
    assert!(
        longest <= BUDGET + Duration::from_millis(50),
        "a claim waited {longest:?}"
    );
    let degraded = |m: &Member| {
        m.events()
            .iter()
            .filter(|e| matches!(e, Event::Degraded(_)))
            .count()
    };
    assert_eq!((degraded(&a), degraded(&b)), (1, 1), "one warning each");

    redis.thaw();
    wait_until("recovered", WAIT, || {
        a.cluster.connected() && b.cluster.connected()
    });
    wait_until("both calls back", WAIT, || {
        b.cluster.remote_count(&g("*101")) == 2
    });
    let recovered = |m: &Member| {
        m.events()
            .iter()
            .filter(|e| matches!(e, Event::Recovered { .. }))
            .count()
    };
    assert_eq!((recovered(&a), recovered(&b)), (1, 1));
    // The call that rang first still comes first: its ring time was kept.
    match b.cluster.claim(&g("*101")).unwrap() {
        Claimed::There { call, .. } => assert_eq!(call.id, 1_000),
        other => panic!("{other:?}"),
    }
    println!("longest claim while frozen: {longest:?}");
}

#[test]
fn runtime_assignments_reach_every_server() {
    let redis = Server::redis(None, "s3cret");
    let url = format!("redis://:s3cret@127.0.0.1:{}/0", redis.port);
    let a = Member::join("pbx-a", server(&url), "");
    let b = Member::join("pbx-b", server(&redis.url()), "s3cret");
    a.wait_connected();
    b.wait_connected();
    let t = Instant::now();
    a.cluster.assign("bob", Some("*102"));
    let seen = |m: &Member| {
        m.events().iter().rev().find_map(|e| match e {
            Event::Assignments(all) => Some(all.clone()),
            _ => None,
        })
    };
    wait_until("b hears it", WAIT, || {
        seen(&b) == Some(vec![("bob".into(), "*102".into())])
    });
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "took {:?}",
        t.elapsed()
    );
    b.cluster.assign("bob", None);
    wait_until("a hears it", WAIT, || seen(&a) == Some(Vec::new()));
    assert!(
        !format!("{:?}", a.cluster.status()).contains("s3cret"),
        "no password in views"
    );
    // A wrong password is an outage, said once.
    let c = Member::join("pbx-c", server(&redis.url()), "wrong");
    wait_until("c degraded", WAIT, || !c.events().is_empty());
    assert!(
        matches!(&c.events()[0], Event::Degraded(why) if why.to_lowercase().contains("authentication")),
        "{:?}",
        c.events()
    );
}

#[test]
fn the_registry_can_be_reached_over_tls() {
    let redis = Server::redis_tls();
    let url = format!("rediss://127.0.0.1:{}/0#insecure", redis.port);
    let a = Member::join("pbx-a", server(&url), "");
    let b = Member::join("pbx-b", server(&url), "");
    a.wait_connected();
    b.wait_connected();
    a.cluster.publish(call("pbx-a", 1_000, "*101", "alice"));
    wait_until("b sees it over TLS", WAIT, || {
        b.cluster.remote_count(&g("*101")) == 1
    });
    assert!(matches!(
        b.cluster.claim(&g("*101")),
        Ok(Claimed::There { .. })
    ));
    // Plain text to a TLS port is an outage, not a hang.
    let plain = Member::join(
        "pbx-c",
        server(&format!("redis://127.0.0.1:{}/0", redis.port)),
        "",
    );
    wait_until("plain text refused", WAIT, || !plain.events().is_empty());
    assert!(matches!(plain.events()[0], Event::Degraded(_)));
}

#[test]
fn a_server_without_the_scripts_loaded_gets_them_sent_again() {
    // A promoted replica has none of the scripts the old master had.
    let (redis, a, b) = two_servers();
    a.cluster.publish(call("pbx-a", 1_000, "*101", "alice"));
    wait_until("b sees it", WAIT, || {
        b.cluster.remote_count(&g("*101")) == 1
    });
    let flushed = std::process::Command::new("redis-cli")
        .args(["-p", &redis.port.to_string(), "SCRIPT", "FLUSH"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&flushed.stdout).contains("OK"));
    assert!(matches!(
        b.cluster.claim(&g("*101")),
        Ok(Claimed::There { .. })
    ));
    a.cluster.publish(call("pbx-a", 2_000, "*101", "alice"));
    wait_until("published after the flush", WAIT, || {
        b.cluster.remote_count(&g("*101")) == 1
    });
}
