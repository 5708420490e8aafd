//! Pickup across servers: what the shared registry costs. Run it with
//! `scripts/bench cluster` (or `cargo run --release --example bench_cluster
//! -- --help`). In one run:
//!
//! 1. connect latency of a local pickup beside a cross-server one, in two
//!    real Asterisks (pbx-a, pbx-b, PJSIP trunks between them) sharing one
//!    redis-server, with SIPp phones: from the picker's INVITE (SIPp's
//!    message trace) to the moment the caller and the picker are both in a
//!    bridge (Asterisk's own log of each channel joining it);
//! 2. the round trip of a claim at a steady 1,000 claims/s against a real
//!    redis-server, through the `grouppickup-cluster` crate;
//! 3. sustained cross-server pickups over SIP: callers on pbx-a, pickers on
//!    pbx-b, checked from what the callers saw (testkit's `sustained`);
//! 4. the time from killing the registry's master (kill -9; one master, two
//!    replicas, three sentinels) to the first successful claim;
//! 5. the registry's memory per ringing call (INFO memory).

use grouppickup_cluster::{CallRecord, Claimed, Cluster};
use grouppickup_core::cluster_config::RegistryAddress;
use grouppickup_core::number::GroupNumber;
use grouppickup_testkit::measure::{self, percentile};
use grouppickup_testkit::redis::{Replicated, Server};
use grouppickup_testkit::sustained::{self, clock_seconds, log_seconds, Run};
use grouppickup_testkit::{free_port, NodeSpec, Pbx, PbxSpec, Phone, Sipp, SippSpec};
use std::collections::BTreeMap;
use std::thread::sleep;
use std::time::{Duration, Instant};

const NODES: [&str; 2] = ["pbx-a", "pbx-b"];
/// How long the callers run ahead of the pickers (as in bench_sustained).
const LEAD_S: f64 = 3.0;
/// The trunks carry the picker's identity (the sustained check reads it at
/// the caller) and bind RTP to 127.0.0.1 like the phones (see
/// sustained::ENDPOINT_OPTIONS).
const TRUNK_OPTIONS: &str =
    "send_pai = yes\ntrust_id_inbound = yes\nmedia_address = 127.0.0.1\nbind_rtp_to_media_address = yes\n";
const SECTIONS: [&str; 5] = ["memory", "claims", "failover", "latency", "sustained"];

struct Options {
    pickups: usize,
    claim_rate: f64,
    claim_seconds: f64,
    rate: f64,
    seconds: f64,
    calls: usize,
    only: Vec<String>,
}

fn options() -> Options {
    let mut o = Options {
        pickups: 15,
        claim_rate: 1000.0,
        claim_seconds: 10.0,
        rate: 30.0,
        seconds: 65.0,
        calls: 10_000,
        only: SECTIONS.iter().map(|s| s.to_string()).collect(),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).map(String::as_str);
        let bad = || -> ! {
            eprintln!(
                "usage: bench_cluster [--pickups 15] [--claim-rate 1000] [--claim-seconds 10]\n\
                 \x20                    [--rate 30] [--seconds 65] [--calls 10000]\n\
                 \x20                    [--only {}]",
                SECTIONS.join(",")
            );
            std::process::exit(2)
        };
        let Some(v) = value else { bad() };
        let number = |v: &str| v.parse::<f64>().unwrap_or_else(|_| bad());
        match pair[0].as_str() {
            "--pickups" => o.pickups = number(v) as usize,
            "--claim-rate" => o.claim_rate = number(v),
            "--claim-seconds" => o.claim_seconds = number(v),
            "--rate" => o.rate = number(v),
            "--seconds" => o.seconds = number(v),
            "--calls" => o.calls = number(v) as usize,
            "--only" => {
                o.only = v.split(',').map(str::to_string).collect();
                if o.only.iter().any(|s| !SECTIONS.contains(&s.as_str())) {
                    bad()
                }
            }
            _ => bad(),
        }
    }
    o
}

fn main() {
    let o = options();
    let started = Instant::now();
    let mut verdicts: Vec<String> = Vec::new();
    let wants = |s: &str| o.only.iter().any(|x| x == s);
    if wants("memory") || wants("claims") {
        registry(&o, &mut verdicts);
    }
    if wants("failover") {
        failover(&mut verdicts);
    }
    if wants("latency") {
        latency(&o, &mut verdicts);
    }
    if wants("sustained") {
        sustained_pickups(&o, &mut verdicts);
    }
    println!("== Targets");
    for v in &verdicts {
        println!("   {v}");
    }
    println!(
        "   run took {:.0} s; load average now {}",
        started.elapsed().as_secs_f64(),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "MISSED"
    }
}

fn group(text: &str) -> GroupNumber {
    text.parse().expect("a group number")
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        sleep(Duration::from_millis(10));
    }
}

/// A member of the cluster, connected.
fn join(node: &str, address: RegistryAddress) -> Cluster {
    let cluster = Cluster::start(node, address, "", |_| {});
    wait_until(
        &format!("{node} connected"),
        Duration::from_secs(10),
        || cluster.connected(),
    );
    cluster
}

/// A ringing call as a server publishes it: call `i` of `node`, in one of
/// 100 groups, with the fields a real call has.
fn ringing_call(node: &str, id: u64, i: usize) -> CallRecord {
    CallRecord {
        node: node.to_string(),
        id,
        group: group(&format!("*1{:02}", i % 100)),
        user: format!("user{:05}", i % 10_000),
        caller_number: format!("+1425555{:04}", i % 10_000),
        caller_name: format!("Caller {i}"),
        legs: vec![format!("PJSIP/user{:05}-{i:08x}", i % 10_000)],
    }
}

fn redis_at(port: u16) -> redis::Connection {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let con = client
        .get_connection_with_timeout(Duration::from_secs(2))
        .unwrap();
    con.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    con
}

/// A field of INFO `section`.
fn info(con: &mut redis::Connection, section: &str, field: &str) -> String {
    let text: String = redis::cmd("INFO").arg(section).query(con).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or("")
        .trim()
        .to_string()
}

fn info_bytes(con: &mut redis::Connection, field: &str) -> i64 {
    info(con, "memory", field).parse().unwrap_or(0)
}

/// Sections 5 and 2: publish calls from bench-a, read the registry's
/// memory, then claim them from bench-b at a steady rate.
fn registry(o: &Options, verdicts: &mut Vec<String>) {
    let calls = o.calls;
    let server = Server::redis(None, "");
    let mut con = redis_at(server.port);
    let a = join("bench-a", RegistryAddress::Server(server.url()));
    let b = join("bench-b", RegistryAddress::Server(server.url()));
    sleep(Duration::from_millis(500));
    let before = (
        info_bytes(&mut con, "used_memory"),
        info_bytes(&mut con, "used_memory_dataset"),
    );
    let base = 1_764_000_000_000_000u64;
    let published = Instant::now();
    for i in 0..calls {
        a.publish(ringing_call("bench-a", base + i as u64, i));
    }
    wait_until("bench-b sees every call", Duration::from_secs(120), || {
        b.remote_calls().len() == calls
    });
    let publish_s = published.elapsed().as_secs_f64();
    // The servers' views are refreshed; nothing changes any more.
    sleep(Duration::from_secs(1));
    let after = (
        info_bytes(&mut con, "used_memory"),
        info_bytes(&mut con, "used_memory_dataset"),
    );
    let per_call = (after.0 - before.0) as f64 / calls as f64;
    println!("== Registry memory per ringing call (redis-server INFO memory)");
    println!(
        "   {calls} calls published by one server in 100 groups ({publish_s:.1} s until another server saw them all)"
    );
    println!(
        "   used_memory {:.1} MB before, {:.1} MB after: {:.0} bytes per call (dataset alone: {:.0} bytes per call)",
        before.0 as f64 / 1e6,
        after.0 as f64 / 1e6,
        per_call,
        (after.1 - before.1) as f64 / calls as f64
    );
    println!(
        "   one stored call: {} bytes of value, {} of member name",
        ringing_call("bench-a", base, 0).encode().len(),
        ringing_call("bench-a", base, 0).member().len()
    );
    println!();
    verdicts.push(format!(
        "registry memory: {per_call:.0} bytes per ringing call (no target)"
    ));
    if !o.only.iter().any(|s| s == "claims") {
        return;
    }
    println!(
        "== Claim round trip ({} claims/s for {} s, grouppickup-cluster against redis-server)",
        o.claim_rate, o.claim_seconds
    );
    println!(
        "   bench-b claims the oldest call of one of 100 groups in turn, and gives it back at once"
    );
    println!(
        "   (Cluster::release) so the registry keeps its size; bench-a published the calls; both"
    );
    println!("   servers' workers run as in Asterisk (heartbeat and view refresh every 200 ms)");
    let big = claim_phase(o, &b, &mut con);
    drop((a, b));
    // The same claims against a registry of 100 calls: what the registry's
    // size costs them.
    let small_server = Server::redis(None, "");
    let mut small_con = redis_at(small_server.port);
    let a = join("bench-a", RegistryAddress::Server(small_server.url()));
    let b = join("bench-b", RegistryAddress::Server(small_server.url()));
    for i in 0..100 {
        a.publish(ringing_call("bench-a", base + i as u64, i));
    }
    wait_until(
        "bench-b sees the 100 calls",
        Duration::from_secs(30),
        || b.remote_calls().len() == 100,
    );
    let small = claim_phase(o, &b, &mut small_con);
    println!(
        "{:>16} | {:>7} {:>7} {:>7} {:>7} {:>7} | {:>6} {:>6} | {:>6} {:>6} {:>7} | {:>8} {:>8} | {:>9} {:>8}",
        "registry holds",
        "p50 ms",
        "p90",
        "p99",
        "p99.9",
        "max",
        ">1 ms",
        ">2 ms",
        "found",
        "none",
        "unavail",
        "HGETALLs",
        "ms each",
        "log reads",
        "ms each"
    );
    for (name, f) in [
        (format!("{calls} calls"), &big),
        ("100 calls".to_string(), &small),
    ] {
        let hgetall = f.busy.iter().find(|(c, _, _)| c == "HGETALL");
        // The views' reads of the change log (XRANGE), each in a
        // transaction with GET version.
        let xrange = f.busy.iter().find(|(c, _, _)| c == "XRANGE");
        println!(
            "{name:>16} | {:>7.3} {:>7.3} {:>7.3} {:>7.3} {:>7.3} | {:>6} {:>6} | {:>6} {:>6} {:>7} | {:>8} {:>8.3} | {:>9} {:>8.3}",
            percentile(&f.times, 50.0),
            percentile(&f.times, 90.0),
            percentile(&f.times, 99.0),
            percentile(&f.times, 99.9),
            percentile(&f.times, 100.0),
            f.times.iter().filter(|t| **t > 1.0).count(),
            f.times.iter().filter(|t| **t > 2.0).count(),
            f.found,
            f.nothing,
            f.unavailable,
            hgetall.map_or(0, |h| h.1),
            hgetall.map_or(0.0, |h| h.2 as f64 / 1e3 / h.1.max(1) as f64),
            xrange.map_or(0, |x| x.1),
            xrange.map_or(0.0, |x| x.2 as f64 / 1e3 / x.1.max(1) as f64)
        );
    }
    println!(
        "   claims/s reached: {:.0} and {:.0}; claims started over 1 ms late (the client's own delay): {} and {}",
        big.times.len() as f64 / big.took,
        small.times.len() as f64 / small.took,
        big.behind,
        small.behind
    );
    println!(
        "   with {calls} calls, redis-server ran {} command(s) slower than 1 ms (SLOWLOG):",
        big.slow.values().map(|(n, _)| n).sum::<usize>()
    );
    for (command, (n, max_us)) in &big.slow {
        println!(
            "     {n:>5} x {command:<40} longest {:.2} ms",
            *max_us as f64 / 1e3
        );
    }
    println!("   and its time by command (INFO commandstats, the busiest):");
    for (command, calls, usec) in big.busy.iter().take(5) {
        println!(
            "     {command:<12} {calls:>7} calls  {:>8.1} ms in all  {:>7.3} ms each",
            *usec as f64 / 1e3,
            *usec as f64 / 1e3 / (*calls).max(1) as f64
        );
    }
    println!();
    let (p50, p99) = (percentile(&big.times, 50.0), percentile(&big.times, 99.0));
    verdicts.push(format!(
        "claim round trip at {} claims/s, {calls} calls registered: p50 {p50:.3} ms, p99 {p99:.3} ms (target p99 <= 2 ms)   {}; with 100 calls: p99 {:.3} ms",
        o.claim_rate,
        verdict(p99 <= 2.0 && big.unavailable == 0),
        percentile(&small.times, 99.0)
    ));
}

/// One series of paced claims and what the registry did meanwhile.
struct ClaimPhase {
    /// Each claim's round trip, ms.
    times: Vec<f64>,
    found: usize,
    nothing: usize,
    unavailable: usize,
    /// Claims that started over 1 ms after their time.
    behind: usize,
    took: f64,
    slow: BTreeMap<String, (usize, i64)>,
    busy: Vec<(String, u64, u64)>,
}

fn claim_phase(o: &Options, b: &Cluster, con: &mut redis::Connection) -> ClaimPhase {
    let claims = (o.claim_rate * o.claim_seconds).round() as usize;
    for (key, value) in [
        ("slowlog-log-slower-than", 1000),
        ("slowlog-max-len", 100_000),
    ] {
        let _: () = redis::cmd("CONFIG")
            .arg("SET")
            .arg(key)
            .arg(value)
            .query(con)
            .unwrap();
    }
    let _: () = redis::cmd("SLOWLOG").arg("RESET").query(con).unwrap();
    let _: () = redis::cmd("CONFIG").arg("RESETSTAT").query(con).unwrap();
    let mut f = ClaimPhase {
        times: Vec::with_capacity(claims),
        found: 0,
        nothing: 0,
        unavailable: 0,
        behind: 0,
        took: 0.0,
        slow: BTreeMap::new(),
        busy: Vec::new(),
    };
    let start = Instant::now();
    for i in 0..claims {
        let due = start + Duration::from_secs_f64(i as f64 / o.claim_rate);
        let now = Instant::now();
        if due > now {
            sleep(due - now);
        } else if now - due > Duration::from_millis(1) {
            f.behind += 1;
        }
        let t = Instant::now();
        let answer = b.claim(&group(&format!("*1{:02}", i % 100)));
        f.times.push(t.elapsed().as_secs_f64() * 1e3);
        match answer {
            Ok(Claimed::There { call, .. }) => {
                f.found += 1;
                b.release(&call);
            }
            Ok(Claimed::Here(_)) => f.found += 1,
            Ok(Claimed::Nothing) => f.nothing += 1,
            Err(_) => f.unavailable += 1,
        }
    }
    f.took = start.elapsed().as_secs_f64();
    f.slow = slowlog(con);
    f.busy = command_stats(con);
    f
}

/// INFO commandstats: (command, calls, µs in all), the busiest first.
fn command_stats(con: &mut redis::Connection) -> Vec<(String, u64, u64)> {
    let text: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(con)
        .unwrap_or_default();
    let mut stats: Vec<(String, u64, u64)> = text
        .lines()
        .filter_map(|l| {
            let (name, fields) = l.strip_prefix("cmdstat_")?.split_once(':')?;
            let field = |k: &str| {
                fields
                    .split(',')
                    .find_map(|f| f.strip_prefix(&format!("{k}=")))
                    .and_then(|v| v.parse().ok())
            };
            Some((name.to_uppercase(), field("calls")?, field("usec")?))
        })
        .collect();
    stats.sort_by_key(|s| std::cmp::Reverse(s.2));
    stats
}

/// SLOWLOG, by command and first key: (how many, the longest in µs).
fn slowlog(con: &mut redis::Connection) -> BTreeMap<String, (usize, i64)> {
    let entries: Vec<redis::Value> = redis::cmd("SLOWLOG")
        .arg("GET")
        .arg(-1)
        .query(con)
        .unwrap_or_default();
    let text = |v: &redis::Value| match v {
        redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        _ => String::new(),
    };
    let mut by: BTreeMap<String, (usize, i64)> = BTreeMap::new();
    for entry in entries {
        let redis::Value::Array(fields) = entry else {
            continue;
        };
        let us = match fields.get(2) {
            Some(redis::Value::Int(us)) => *us,
            _ => 0,
        };
        let command = match fields.get(3) {
            // EVALSHA <sha> <n> <first key>: the script's first key says
            // which it is.
            Some(redis::Value::Array(args)) => {
                let args: Vec<String> = args.iter().map(text).collect();
                match args.first().map(|a| a.to_ascii_uppercase()) {
                    Some(c) if c.starts_with("EVAL") => match args.get(3) {
                        Some(k) if k.contains(":queue:") => format!("{c} claim (a group's queue)"),
                        Some(k) => format!("{c} (first key {k})"),
                        None => c,
                    },
                    Some(c) => format!("{c} {}", args.get(1).map_or("", |k| k.as_str())),
                    None => "?".to_string(),
                }
            }
            _ => "?".to_string(),
        };
        let slot = by.entry(command).or_default();
        slot.0 += 1;
        slot.1 = slot.1.max(us);
    }
    by
}

/// Section 4: kill -9 the master behind Sentinel, claim until a claim
/// gets a call again.
fn failover(verdicts: &mut Vec<String>) {
    let mut set = Replicated::start("gp");
    let first = set.servers[0].port;
    let address = RegistryAddress::Sentinels {
        sentinels: set.sentinel_addresses(),
        master: "gp".into(),
        tls: false,
    };
    // Ready as a deployment is: both replicas in sync, every sentinel
    // knowing both replicas and the other two sentinels.
    wait_until(
        "replicas in sync and sentinels acquainted",
        Duration::from_secs(30),
        || {
            let mut master = redis_at(first);
            info(&mut master, "replication", "connected_slaves") == "2"
                && set.servers[1..].iter().all(|r| {
                    info(&mut redis_at(r.port), "replication", "master_link_status") == "up"
                })
                && set.sentinels.iter().all(|s| {
                    let fields: Vec<String> = redis::cmd("SENTINEL")
                        .arg("MASTER")
                        .arg("gp")
                        .query(&mut redis_at(s.port))
                        .unwrap_or_default();
                    let get = |k: &str| {
                        fields
                            .chunks(2)
                            .find(|p| p[0] == k)
                            .map(|p| p[1].clone())
                            .unwrap_or_default()
                    };
                    get("num-slaves") == "2" && get("num-other-sentinels") == "2"
                })
        },
    );
    let a = join("pbx-a", address.clone());
    let b = join("pbx-b", address);
    let g = group("*101");
    for i in 0..100u64 {
        a.publish(CallRecord {
            group: g,
            ..ringing_call("pbx-a", 1_000 + i, i as usize)
        });
    }
    wait_until("pbx-b sees the calls", Duration::from_secs(10), || {
        b.remote_count(&g) == 100
    });
    wait_until("the calls replicated", Duration::from_secs(10), || {
        let mut master = redis_at(first);
        let offset = info(&mut master, "replication", "master_repl_offset");
        set.servers[1..]
            .iter()
            .all(|r| info(&mut redis_at(r.port), "replication", "slave_repl_offset") == offset)
    });
    let killed = Instant::now();
    set.servers[0].kill();
    let (mut unavailable, mut nothing) = (0usize, 0usize);
    let mut resumed = None;
    let mut switched = None;
    let master_of = |sentinel: &Server| {
        redis::cmd("SENTINEL")
            .arg("get-master-addr-by-name")
            .arg("gp")
            .query::<Vec<String>>(&mut redis_at(sentinel.port))
            .ok()
            .and_then(|v| v.get(1).and_then(|p| p.parse::<u16>().ok()))
    };
    while killed.elapsed() < Duration::from_secs(30) {
        match b.claim(&g) {
            Ok(Claimed::There { .. }) => {
                resumed = Some(killed.elapsed());
                break;
            }
            Ok(_) => nothing += 1,
            Err(_) => unavailable += 1,
        }
        if switched.is_none() && master_of(&set.sentinels[0]).is_some_and(|p| p != first) {
            switched = Some(killed.elapsed());
        }
        sleep(Duration::from_millis(10));
    }
    let at = |t: Option<Duration>| {
        t.map_or("never".to_string(), |t| format!("{:.2} s", t.as_secs_f64()))
    };
    println!("== Registry failover (kill -9 of the master; 2 replicas, 3 sentinels, down-after-milliseconds 1000)");
    println!(
        "   first successful claim {} after the kill (a claim every 10 ms: {unavailable} unavailable, {nothing} found nothing before it)",
        at(resumed)
    );
    println!(
        "   a sentinel named the new master (port {}, was {first}) {} after the kill",
        master_of(&set.sentinels[0]).map_or("?".to_string(), |p| p.to_string()),
        at(switched)
    );
    println!();
    let took = resumed.map_or(f64::INFINITY, |t| t.as_secs_f64());
    verdicts.push(format!(
        "master kill to first successful claim: {took:.2} s (target <= 3 s)   {}",
        verdict(took <= 3.0)
    ));
}

/// Two Asterisks with trunks to each other, in one cluster on `redis`;
/// `phones[i]` and `dialplan[i]` are node i's.
fn start_pair(
    redis: &Server,
    conf: &str,
    phones: [Vec<Phone>; 2],
    dialplan: [&str; 2],
    endpoint_options: &str,
) -> Vec<Pbx> {
    let ports = [free_port(), free_port()];
    let conf = format!("{conf}\n[cluster]\nredis = {}\n", redis.url());
    phones
        .into_iter()
        .enumerate()
        .map(|(i, phones)| {
            let mut node = NodeSpec {
                system_name: NODES[i].to_string(),
                sip_port: ports[i],
                pjsip: String::new(),
            };
            let trunk = node.trunk(NODES[1 - i], ports[1 - i], "grouppickup-peers");
            node.pjsip = trunk.replacen(
                "direct_media = no\n",
                &format!("direct_media = no\n{TRUNK_OPTIONS}"),
                1,
            );
            Pbx::start_node(
                PbxSpec {
                    phones,
                    grouppickup_conf: conf.clone(),
                    dialplan: dialplan[i].to_string(),
                    endpoint_options: endpoint_options.to_string(),
                    files: Vec::new(),
                },
                node,
            )
        })
        .collect()
}

/// The second of the day SIPp sent its first INVITE, from its message trace.
fn invite_sent(trace: &str) -> Option<f64> {
    trace
        .split("----------------------------------------------- ")
        .find(|m| m.contains("message sent") && m.contains("\nINVITE "))
        .and_then(|m| {
            m.split_whitespace()
                .take(4)
                .find(|w| w.matches(':').count() == 2)
                .and_then(clock_seconds)
        })
}

/// The second of the day of the first line logged after byte `from` that
/// contains every one of `needles`.
fn logged(pbx: &Pbx, from: usize, needles: &[&str]) -> Option<f64> {
    pbx.log()
        .get(from..)?
        .lines()
        .find(|l| needles.iter().all(|n| l.contains(n)))
        .and_then(log_seconds)
}

/// One call of phone `name` of `pbx` (SIPp, traced), from a port chosen
/// now: other programs on a busy machine take ports too, and a port chosen
/// minutes before may be theirs by now.
fn dial(pbx: &Pbx, name: &str, scenario: &str, number: &str, hold_ms: u32) -> Sipp {
    Sipp::start(SippSpec {
        scenario,
        phone: &Phone::new(name),
        remote: Some((pbx.sip_port, number)),
        calls: 1,
        hold_ms,
    })
}

/// The moments of one pickup, in seconds of the day.
#[derive(Default, Clone, Copy)]
struct Moments {
    /// The picker's INVITE left SIPp.
    invite: f64,
    /// The caller joined a bridge (on pbx-a).
    caller_in: f64,
    /// The picker joined a bridge (on its server).
    picker_in: f64,
    /// Dial() saw the caller's call answered (on pbx-a): by the picker
    /// (local) or by the trunk from pbx-b (across).
    answered: f64,
    /// Across: pbx-b dialed pbx-a with the token (after answering the
    /// picker); pbx-a ran GroupPickupPeer for it.
    dialed: f64,
    peer: f64,
}

impl Moments {
    fn ms(from: f64, to: f64) -> f64 {
        (to - from).rem_euclid(86400.0) * 1e3
    }

    fn connected_ms(&self) -> f64 {
        Moments::ms(self.invite, self.caller_in.max(self.picker_in))
    }
}

/// Section 1: one call at a time rings alice on pbx-a; the picker dials
/// her group from pbx-a (local) or from pbx-b (across), alternately.
fn latency(o: &Options, verdicts: &mut Vec<String>) {
    let redis = Server::redis(None, "");
    let conf = format!(
        "{}\n[alice]\ntype = user\nendpoint = PJSIP/alice\ngroup = *111\n",
        sustained::grouppickup_conf()
    );
    let phones = [
        vec![
            Phone::new("alice"),
            Phone::new("caller"),
            Phone::new("picker"),
        ],
        vec![Phone::new("picker")],
    ];
    let pbx = start_pair(
        &redis,
        &conf,
        phones,
        ["exten => 2001,1,Dial(PJSIP/alice,60)\n", ""],
        "media_address = 127.0.0.1\nbind_rtp_to_media_address = yes\n",
    );
    let rounds = o.pickups + 1;
    let _alice = Sipp::start_long(
        SippSpec {
            scenario: "bench_ring.xml",
            phone: pbx[0].phone("alice"),
            remote: None,
            calls: 2 * rounds as u32 + 10,
            hold_ms: 0,
        },
        Default::default(),
    );
    let mut samples: [Vec<Moments>; 2] = [Vec::new(), Vec::new()];
    let mut failed = [0usize; 2];
    for i in 0..2 * rounds {
        // local, across, across, local, ...: both see the same moments.
        let across = (i % 2 == 1) ^ (i % 4 >= 2);
        let picker_node = &pbx[usize::from(across)];
        let mut caller = dial(&pbx[0], "caller", "uac_call.xml", "2001", 0);
        pbx[0].wait_ringing(1);
        picker_node.wait_ringing(1);
        sleep(Duration::from_millis(200));
        let from = [pbx[0].log().len(), pbx[1].log().len()];
        // Connected well past Asterisk's answer, which waits up to 500 ms for
        // the picker's first audio frame (SIPp sends none).
        let mut picker = dial(picker_node, "picker", "uac_pick.xml", "*111", 2000);
        let picked = picker.wait(Duration::from_secs(30));
        if picked.is_err() {
            // Not picked up (a SIPp that could not start, say): the call
            // goes, and the next pickup starts afresh.
            for p in &pbx {
                let _ = p.try_cli("channel request hangup all");
            }
        }
        let called = caller.wait(Duration::from_secs(30));
        let invite = invite_sent(&picker.messages());
        // Asterisk's logger writes a moment after the event.
        sleep(Duration::from_millis(100));
        let at = |node: usize, needles: &[&str]| logged(&pbx[node], from[node], needles);
        let (p, joined) = (usize::from(across), " joined '");
        let moments = (|| {
            picked.as_ref().ok()?;
            called.as_ref().ok()?;
            Some(Moments {
                invite: invite?,
                caller_in: at(0, &["Channel PJSIP/caller-", joined])?,
                picker_in: at(p, &["Channel PJSIP/picker-", joined])?,
                answered: at(0, &[" answered PJSIP/caller-"])?,
                dialed: if across {
                    at(1, &["app_dial.c: Called PJSIP/"])?
                } else {
                    0.0
                },
                peer: if across {
                    at(0, &["GroupPickupPeer("])?
                } else {
                    0.0
                },
            })
        })();
        if moments.is_none() {
            eprintln!(
                "[bench] pickup {i} ({}) not measured: picker {picked:?}, caller {called:?}, INVITE {invite:?}",
                if across { "across" } else { "local" }
            );
        }
        for p in &pbx {
            p.wait_ringing(0);
        }
        // The first of each kind warms up.
        if i >= 2 {
            match moments {
                Some(m) => samples[usize::from(across)].push(m),
                None => failed[usize::from(across)] += 1,
            }
        }
    }
    let ms: Vec<Vec<f64>> = samples
        .iter()
        .map(|s| s.iter().map(Moments::connected_ms).collect())
        .collect();
    let (local, across) = (percentile(&ms[0], 50.0), percentile(&ms[1], 50.0));
    let stage = |k: usize, f: fn(&Moments) -> f64| {
        let v: Vec<f64> = samples[k].iter().map(f).collect();
        percentile(&v, 50.0)
    };
    println!("== Connect latency, local beside cross-server pickup ({} of each, alternating, one at a time)", o.pickups);
    println!(
        "   from the picker's INVITE (SIPp's message trace, us) to the caller and the picker both"
    );
    println!("   in a bridge (Asterisk's log: 'Channel ... joined', ms; across: the caller's bridge on pbx-a");
    println!("   and the picker's on pbx-b, whichever is later); caller and alice on pbx-a, the picker on");
    println!("   pbx-a (local) or pbx-b (across, through the trunk with the token)");
    println!(
        "{:>12} | {:>8} {:>8} {:>8} {:>8} {:>6}",
        "pickup", "p50 ms", "p95 ms", "min", "max", "failed"
    );
    for (k, name) in ["local", "cross-server"].iter().enumerate() {
        println!(
            "{name:>12} | {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>6}",
            percentile(&ms[k], 50.0),
            percentile(&ms[k], 95.0),
            percentile(&ms[k], 0.0),
            percentile(&ms[k], 100.0),
            failed[k]
        );
    }
    println!(
        "   cross-server - local: {:+.1} ms at the median",
        across - local
    );
    println!("   where the time goes (medians, ms from the picker's INVITE):");
    println!(
        "     local : the caller's call answered by the picker {:.1}; both bridged {:.1}",
        stage(0, |m| Moments::ms(m.invite, m.answered)),
        stage(0, Moments::connected_ms)
    );
    println!(
        "     across: pbx-b dials pbx-a with the token {:.1}; GroupPickupPeer runs on pbx-a {:.1};",
        stage(1, |m| Moments::ms(m.invite, m.dialed)),
        stage(1, |m| Moments::ms(m.invite, m.peer))
    );
    println!(
        "             the picker bridged with the trunk on pbx-b {:.1}; the caller's call answered by",
        stage(1, |m| Moments::ms(m.invite, m.picker_in))
    );
    println!(
        "             the trunk on pbx-a {:.1}; the caller bridged {:.1}",
        stage(1, |m| Moments::ms(m.invite, m.answered)),
        stage(1, |m| Moments::ms(m.invite, m.caller_in))
    );
    println!();
    verdicts.push(format!(
        "connect latency: local p50 {local:.1} ms, cross-server p50 {across:.1} ms (target cross <= local + 10 ms)   {}",
        verdict(across <= local + 10.0 && failed == [0, 0])
    ));
}

/// Section 3: callers ring the members on pbx-a, pickers dial the group
/// numbers on pbx-b.
fn sustained_pickups(o: &Options, verdicts: &mut Vec<String>) {
    let redis = Server::redis(None, "");
    let mut phones_a = sustained::members();
    phones_a.push(Phone::new("caller"));
    let member = phones_a[0].clone();
    let pbx = start_pair(
        &redis,
        &sustained::grouppickup_conf(),
        [phones_a, vec![Phone::new("picker")]],
        [sustained::CALLER_DIALPLAN, ""],
        sustained::ENDPOINT_OPTIONS,
    );
    let pids = [
        measure::asterisk_pid(&pbx[0]),
        measure::asterisk_pid(&pbx[1]),
    ];
    let calls = (o.rate * o.seconds).round() as usize;
    let run = Run::new("cluster", calls, calls, o.rate, "*1");
    println!(
        "== Sustained cross-server pickups over SIP: {} calls/s on pbx-a, {} pickups/s from pbx-b for {} s ({calls} calls)",
        o.rate, o.rate, o.seconds
    );
    let _members = run.members(&member);
    let cpu0 = pids.map(measure::cpu_ticks);
    let started = Instant::now();
    let mut callers = run.callers_from(&pbx[0], "caller");
    sleep(Duration::from_secs_f64(LEAD_S));
    // Each picker stays 2 s: a cross-server pickup waits for two answers
    // (the picker's on pbx-b, the trunk's on pbx-a), each up to 500 ms.
    let mut pickers = run.pickers_from(&pbx[1], "picker", calls, 2000);
    let (pickers_exit, callers_exit) =
        sustained::finish(&run, started, &mut callers, &mut pickers, || {
            format!(
                "pbx-a {}; pbx-b {}",
                sustained::progress(&pbx[0]),
                sustained::progress(&pbx[1])
            )
        });
    let elapsed = started.elapsed().as_secs_f64();
    let cpu: Vec<f64> = (0..2)
        .map(|i| (measure::cpu_ticks(pids[i]) - cpu0[i]) as f64 * measure::TICK_MS / 1e3)
        .collect();
    let pick_stats = pickers.counts();
    let call_stats = callers.counts();
    // pbx-a logs each pickup when its trunk takes the call; pbx-b when its
    // picker's call ends.
    let (picked, span, per_minute) = sustained::pickups_logged(&pbx[0].log());
    let (picked_b, _, _) = sustained::pickups_logged(&pbx[1].log());
    let outcome = run.answers();
    println!();
    println!(
        "   ran {elapsed:.0} s; pbx-a used {:.1} s of CPU ({:.0}% of one core), pbx-b {:.1} s ({:.0}%)",
        cpu[0],
        cpu[0] / elapsed * 100.0,
        cpu[1],
        cpu[1] / elapsed * 100.0
    );
    sustained::print_side("pickers (SIPp, pbx-b)", pick_stats, pickers_exit);
    sustained::print_side("callers (SIPp, pbx-a)", call_stats, callers_exit);
    let ok = per_minute >= 1500.0
        && pick_stats.1 == 0
        && call_stats.1 == 0
        && sustained::perfect(&outcome, calls);
    println!(
        "   pickups logged by pbx-a (the call's server): {picked} over {span:.1} s = {per_minute:.0} pickups/minute (target >= 1500, 0 failed, 0 twice)   {}",
        verdict(ok)
    );
    println!("   pickups logged by pbx-b (the pickers' server): {picked_b}");
    sustained::print(&outcome, calls);
    for (i, p) in pbx.iter().enumerate() {
        for line in p.cli("grouppickup show stats").lines() {
            println!("   {} | {line}", NODES[i]);
        }
    }
    println!();
    verdicts.push(format!(
        "sustained cross-server: {per_minute:.0} pickups/minute, {} failed, {} wrong, {} twice (target >= 1500/min, 0 failed, 0 twice)   {}",
        pick_stats.1 + call_stats.1 + outcome.refused as u64,
        outcome.wrong,
        outcome.twice,
        verdict(ok)
    ));
}
