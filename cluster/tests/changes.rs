//! A member's view of the others' calls follows the registry's change log:
//! after any mix of changes it is what a fresh reading of the whole
//! registry says, without reading it whole; a log that no longer connects
//! (trimmed, or a change not logged) and a registry that was restarted
//! (empty, or from an older snapshot) make it read the registry whole, and
//! the view is right again.

mod support;

use grouppickup_cluster::{CallRecord, Claimed};
use grouppickup_core::number::GroupNumber;
use std::time::{Duration, SystemTime};
use support::{
    call, fresh_view, registry, server, wait_settled, wait_until, whole_reads, Member, Restartable,
    Scratch, Server,
};

const WAIT: Duration = Duration::from_secs(10);
const GROUPS: [&str; 3] = ["*101", "*102", "*103"];

fn g(s: &str) -> GroupNumber {
    s.parse().unwrap()
}

/// xorshift64*: a reproducible mix (GP_SEED=... repeats a run).
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("GP_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        println!("GP_SEED={seed}");
        Rng(seed)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// What one member did and holds: its ringing calls, and its claims.
struct Side {
    member: Member,
    ringing: Vec<CallRecord>,
    /// Claims of another server's call, and of its own (by id).
    there: Vec<CallRecord>,
    here: Vec<u64>,
}

impl Side {
    fn node(&self) -> String {
        self.member.cluster.node().to_string()
    }
}

/// Whether `member`'s view is the registry's, and its status counts the
/// calls it shows.
fn view_is_right(port: u16, member: &Member) -> bool {
    let node = member.cluster.node();
    let fresh = fresh_view(port, node);
    let status = member.cluster.status();
    let counted: usize = status
        .nodes
        .iter()
        .filter(|n| n.name != node)
        .map(|n| n.calls)
        .sum();
    member.cluster.remote_calls() == fresh && counted == fresh.len()
}

#[test]
fn after_any_mix_of_changes_the_view_is_the_registrys_without_reading_it_whole() {
    let redis = Server::redis(None, "");
    let mut sides: Vec<Side> = ["pbx-a", "pbx-b"]
        .iter()
        .map(|n| Side {
            member: Member::join(n, server(&redis.url()), ""),
            ringing: Vec::new(),
            there: Vec::new(),
            here: Vec::new(),
        })
        .collect();
    for s in &sides {
        s.member.wait_connected();
    }
    // Each member reads the registry whole once, when it connects.
    wait_until("both read the registry once", WAIT, || {
        whole_reads(redis.port) == 2
    });
    let mut rng = Rng::new();
    let mut next_id = 1_000u64;
    let (mut claims, mut found) = (0, 0);
    for round in 0..4 {
        for _ in 0..300 {
            let side = &mut sides[rng.below(2)];
            let node = side.node();
            let group = GROUPS[rng.below(GROUPS.len())];
            match rng.below(10) {
                // A new call rings.
                0..=2 => {
                    next_id += 1 + rng.below(5) as u64;
                    let c = call(&node, next_id, group, "alice");
                    side.member.cluster.publish(c.clone());
                    side.ringing.push(c);
                }
                // A ringing call moves to another group.
                3 if !side.ringing.is_empty() => {
                    let i = rng.below(side.ringing.len());
                    side.ringing[i].group = g(group);
                    side.member.cluster.publish(side.ringing[i].clone());
                }
                // A call stops ringing.
                4 if !side.ringing.is_empty() => {
                    let c = side.ringing.swap_remove(rng.below(side.ringing.len()));
                    side.member.cluster.remove(c.id);
                    side.here.retain(|id| *id != c.id);
                }
                // A picker claims.
                5..=7 => {
                    claims += 1;
                    match side.member.cluster.claim(&g(group)).unwrap() {
                        Claimed::There { call, .. } => {
                            found += 1;
                            side.there.push(call);
                        }
                        Claimed::Here(id) => {
                            found += 1;
                            side.here.push(id);
                        }
                        Claimed::Nothing => {}
                    }
                }
                // A picker gives its claim back.
                _ => {
                    if !side.there.is_empty() && rng.below(2) == 0 {
                        let c = side.there.swap_remove(rng.below(side.there.len()));
                        side.member.cluster.release(&c);
                    } else if !side.here.is_empty() {
                        let id = side.here.swap_remove(rng.below(side.here.len()));
                        side.member.cluster.release_here(id);
                    }
                }
            }
            // Changes land between the workers' ticks, and during them.
            std::thread::sleep(Duration::from_micros(rng.below(6_000) as u64));
        }
        wait_settled(
            &format!("round {round}: the views settle"),
            redis.port,
            || sides.iter().all(|s| view_is_right(redis.port, &s.member)),
        );
        let shown: Vec<usize> = sides
            .iter()
            .map(|s| s.member.cluster.remote_calls().len())
            .collect();
        println!("round {round}: views right, showing {shown:?} calls");
    }
    // A burst: more changes between two ticks than one read of the log
    // takes.
    for _ in 0..800 {
        next_id += 1;
        let c = call("pbx-a", next_id, GROUPS[rng.below(GROUPS.len())], "bob");
        sides[0].member.cluster.publish(c);
    }
    wait_settled("the views settle after a burst", redis.port, || {
        sides.iter().all(|s| view_is_right(redis.port, &s.member))
    });
    assert!(
        found > 0 && found < claims,
        "{found} of {claims} claims found a call: not a mix"
    );
    assert_eq!(
        whole_reads(redis.port),
        2,
        "the views followed the log; nobody read the registry whole again"
    );
    println!("{claims} claims ({found} found a call), the views followed the log only");
}

/// Runs `script` on the registry at `port`, as a change of the registry
/// by something other than a member.
fn write(port: u16, script: &str) {
    let _: redis::Value = redis::Script::new(script)
        .invoke(&mut registry(port))
        .unwrap();
}

#[test]
fn a_log_trimmed_past_a_view_or_a_change_not_logged_makes_it_read_the_registry_whole() {
    let redis = Server::redis(None, "");
    let (a, b) = joined_with_three_calls_on_a(&redis.url());
    wait_settled("b sees a's calls", redis.port, || {
        b.cluster.remote_calls().len() == 3 && whole_reads(redis.port) == 2
    });

    // Three changes, logged as the members log them, and then the log
    // trimmed to the last one only (as when a server falls further behind
    // than the log keeps): the last entry b saw is gone.
    let stored = call("pbx-a", 9, "*102", "alice").encode();
    write(
        redis.port,
        &format!(
            r#"
local function logged(m)
  local v = redis.call('INCR', 'grouppickup:version')
  redis.call('XADD', 'grouppickup:changes', '*', 'm', m, 'v', v)
end
redis.call('HSET', 'grouppickup:calls', 'pbx-a/9', '{stored}')
logged('pbx-a/9')
redis.call('HDEL', 'grouppickup:calls', 'pbx-a/1')
logged('pbx-a/1')
redis.call('HSET', 'grouppickup:claimed', 'pbx-a/2', 'pbx-x')
logged('pbx-a/2')
redis.call('XTRIM', 'grouppickup:changes', 'MAXLEN', 1)
return 1
"#
        ),
    );
    wait_settled("b reads the registry whole", redis.port, || {
        whole_reads(redis.port) == 4 && view_is_right(redis.port, &b)
    });
    let shown = shown(&b);
    assert_eq!(shown, [(2, true), (3, false), (9, false)]);
    assert_eq!(b.cluster.remote_count(&g("*102")), 1);

    // A change that is counted but not logged (as a server of an older
    // version makes it): the version no longer matches the log.
    write(
        redis.port,
        r#"
redis.call('HDEL', 'grouppickup:calls', 'pbx-a/3')
redis.call('INCR', 'grouppickup:version')
return 1
"#,
    );
    wait_settled("b reads the registry whole again", redis.port, || {
        whole_reads(redis.port) == 6 && view_is_right(redis.port, &b)
    });
    let shown: Vec<u64> = b.cluster.remote_calls().iter().map(|c| c.call.id).collect();
    assert_eq!(shown, [2, 9]);

    // And from there on the log is followed again.
    a.cluster.publish(call("pbx-a", 10, "*101", "alice"));
    wait_settled("b follows the log again", redis.port, || {
        b.cluster.remote_calls().len() == 3 && view_is_right(redis.port, &b)
    });
    assert_eq!(whole_reads(redis.port), 6);
}

/// Two members of a registry that can be restarted in place; a rings
/// calls 1, 2 and 3 in *101, and b claims call 1.
/// The other server's calls as `b` shows them: (id, claimed).
fn shown(b: &Member) -> Vec<(u64, bool)> {
    b.cluster
        .remote_calls()
        .iter()
        .map(|c| (c.call.id, c.claimed))
        .collect()
}

/// Waits until both members are connected to the registry again and `b`'s
/// view is right.
fn back(port: u16, a: &Member, b: &Member, what: &str) {
    wait_until("both connected again", WAIT, || {
        a.cluster.connected() && b.cluster.connected()
    });
    wait_settled(what, port, || view_is_right(port, b));
}

/// pbx-a and pbx-b joined to the registry at `url`, pbx-a with three calls
/// of *101 published (not yet seen by b, maybe).
fn joined_with_three_calls_on_a(url: &str) -> (Member, Member) {
    let a = Member::join("pbx-a", server(url), "");
    let b = Member::join("pbx-b", server(url), "");
    a.wait_connected();
    b.wait_connected();
    for id in 1..=3 {
        a.cluster.publish(call("pbx-a", id, "*101", "alice"));
    }
    (a, b)
}

fn ringing_on_a(redis: &Restartable) -> (Member, Member) {
    let (a, b) = joined_with_three_calls_on_a(&redis.url());
    wait_until("b sees a's calls", WAIT, || {
        b.cluster.remote_calls().len() == 3
    });
    assert!(matches!(
        b.cluster.claim(&g("*101")).unwrap(),
        Claimed::There { call, .. } if call.id == 1
    ));
    wait_until("b sees its claim", WAIT, || {
        b.cluster.remote_count(&g("*101")) == 2
    });
    (a, b)
}

#[test]
fn a_registry_restarted_empty_leaves_the_view_right() {
    let dir = Scratch::new("restart-empty");
    let port = grouppickup_testkit::free_tcp_port();
    let mut redis = Restartable::start(port, &dir.0.join("first"));
    let (a, b) = ringing_on_a(&redis);

    // The registry crashes; meanwhile call 2 stops ringing and call 4
    // starts; an empty server takes its place.
    drop(redis);
    wait_until("both degraded", WAIT, || {
        !a.cluster.connected() && !b.cluster.connected()
    });
    a.cluster.remove(2);
    a.cluster.publish(call("pbx-a", 4, "*102", "alice"));
    redis = Restartable::start(port, &dir.0.join("second"));
    back(port, &a, &b, "b's view is the new registry's");
    // a published again what still rings; b's claim died with the old
    // registry.
    let shown = shown(&b);
    assert_eq!(shown, [(1, false), (3, false), (4, false)]);
    assert_eq!(
        whole_reads(port),
        2,
        "each member read the new registry whole"
    );
    drop(redis);
}

#[test]
fn a_registry_restarted_from_an_older_snapshot_leaves_the_view_right() {
    let dir = Scratch::new("restart-older");
    let port = grouppickup_testkit::free_tcp_port();
    let first = dir.0.join("first");
    let mut redis = Restartable::start(port, &first);
    let (a, b) = ringing_on_a(&redis);
    let _: () = redis::cmd("SAVE").query(&mut registry(port)).unwrap();

    // Writes the snapshot does not have: call 2 stops ringing, call 4
    // starts, b claims call 3.
    a.cluster.remove(2);
    a.cluster.publish(call("pbx-a", 4, "*101", "alice"));
    wait_until("b sees 2 gone and 4", WAIT, || {
        b.cluster
            .remote_calls()
            .iter()
            .map(|c| c.call.id)
            .collect::<Vec<_>>()
            == [1, 3, 4]
    });
    assert!(matches!(
        b.cluster.claim(&g("*101")).unwrap(),
        Claimed::There { call, .. } if call.id == 3
    ));
    wait_settled("b sees its claim", port, || view_is_right(port, &b));

    // The registry crashes and comes back from the snapshot: call 2
    // stored again, call 4 unknown, call 1 claimed, call 3 not, and an
    // older log.
    drop(redis);
    let second = dir.0.join("second");
    std::fs::create_dir_all(&second).unwrap();
    std::fs::copy(first.join("dump.rdb"), second.join("dump.rdb")).unwrap();
    redis = Restartable::start(port, &second);
    back(port, &a, &b, "b's view is the restarted registry's");
    // a published again what rings (and took back call 2); the claim of
    // call 1 came back with the snapshot, the claim of call 3 did not.
    let shown = shown(&b);
    assert_eq!(shown, [(1, true), (3, false), (4, false)]);
    assert_eq!(whole_reads(port), 2, "each member read the registry whole");
    drop(redis);
}
