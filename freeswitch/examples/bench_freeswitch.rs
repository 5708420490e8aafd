//! Pickup in FreeSWITCH: mod_grouppickup's `group_pickup` beside
//! FreeSWITCH's own `intercept <uuid>` and `pickup <group>`, in one
//! FreeSWITCH and one run, at each background size. Run it with
//! `scripts/bench freeswitch` (or `cargo run --release -p
//! grouppickup-freeswitch --example bench_freeswitch -- --help`).
//!
//! What runs: a FreeSWITCH of grouppickup-testkit's with mod_grouppickup
//! loaded; alice, a SIPp phone that answers 180 and rings until cancelled,
//! is a user of group *101. Each sample: a SIPp caller dials alice through
//! the extension of one method, alice rings, a SIPp picker dials:
//!
//! - ours: `*101` (served by the module), i.e. `group_pickup *101`;
//! - intercept: the caller's extension stores its uuid in a global
//!   variable (`set_global bench_alice=${uuid}`) before ringing alice; the
//!   picker's extension runs `intercept ${bench_alice}`. Finding the uuid
//!   is that one variable lookup, inside the measured time;
//! - pickup group: the caller's extension rings `user/alice,pickup/bench`
//!   at once; the picker's runs `pickup bench`.
//!
//! Times per sample, each from the picker's INVITE as SIPp sent it (its
//! trace's time stamp): to the picker's 200 OK received (the trace), and to
//! the bridge of the picker's channel with the caller, between two bounds:
//! the CHANNEL_BRIDGE event's Event-Date-Timestamp (FreeSWITCH's cached
//! time, which it advances in steps of its 20 ms clock tick, so never
//! later than the bridge) and the moment the event reached the benchmark
//! (the event socket sends queued events when its 20 ms poll ends, so
//! never earlier). Background load: legs of mod_loopback's null endpoint
//! being dialled by `originate`, 100 per originate, which never answer and
//! are in no pickup group.

use grouppickup_testkit::freeswitch::{extension as ext, FreeSwitch, FsSpec, DOMAIN};
use grouppickup_testkit::measure::{cpu_ticks, percentile, rss_kb, TICK_MS};
use grouppickup_testkit::{tail, LongRun, Sipp, SippSpec};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const LEGS_PER_ORIGINATE: usize = 100;
const WAIT: Duration = Duration::from_secs(30);

/// (name, the caller's number, the picker's number)
const METHODS: [(&str, &str, &str); 3] = [
    ("group_pickup *101", "2001", "*101"),
    ("intercept <uuid>", "2002", "icpt"),
    ("pickup <group>", "2003", "pgrp"),
];

fn grouppickup_conf() -> String {
    format!(
        r#"
  <settings><param name="context" value="default"/></settings>
  <ranges><range name="bench" start="*100" end="*199"/></ranges>
  <groups><group number="*101" name="Bench"/></groups>
  <users><user name="alice" endpoint="user/alice@{DOMAIN}" group="*101"/></users>"#
    )
}

fn dialplan() -> String {
    let alice = format!("user/alice@{DOMAIN}");
    [
        ext("ours-call", "^2001$", &[("bridge", &alice)]),
        ext(
            "intercept-call",
            "^2002$",
            &[("set_global", "bench_alice=${uuid}"), ("bridge", &alice)],
        ),
        ext(
            "pickup-call",
            "^2003$",
            &[("bridge", &format!("{alice},pickup/bench"))],
        ),
        ext(
            "intercept-pick",
            "^icpt$",
            &[("intercept", "${bench_alice}")],
        ),
        ext("pickup-pick", "^pgrp$", &[("pickup", "bench")]),
    ]
    .concat()
}

struct Options {
    channels: Vec<usize>,
    pickups: usize,
}

fn options() -> Options {
    let mut o = Options {
        channels: vec![0, 5_000],
        pickups: 40,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).map_or("", String::as_str);
        match pair[0].as_str() {
            "--channels" => {
                o.channels = value
                    .split(',')
                    .map(|v| v.trim().parse().expect("--channels 0,5000"))
                    .collect()
            }
            "--pickups" => o.pickups = value.parse().expect("--pickups N"),
            _ => {
                eprintln!("usage: bench_freeswitch [--channels 0,5000] [--pickups 40 (per method and size)]");
                std::process::exit(2);
            }
        }
    }
    o
}

/// One method's samples at one size (ms): INVITE to 200 OK, to the
/// bridge's time stamp, to the bridge event seen.
#[derive(Default)]
struct Samples {
    times: [Vec<f64>; 3],
    failures: usize,
}

struct Row {
    sessions: usize,
    idle_cpu_ms_per_s: f64,
    methods: [Samples; 3],
}

/// Sessions FreeSWITCH has now (`status`: "N session(s) - peak ...").
fn sessions(fs: &FreeSwitch) -> usize {
    fs.api("status")
        .lines()
        .find(|l| l.contains("session(s) - peak"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Originates null legs, LEGS_PER_ORIGINATE at a time, until about `target`
/// sessions exist; waits until they do and FreeSWITCH's CPU use has
/// settled (the originates keep polling their legs: it does not reach 0).
fn grow_background(fs: &FreeSwitch, pid: u32, target: usize) {
    let legs = vec!["null/bg"; LEGS_PER_ORIGINATE].join(",");
    // Counted again each time: a leg over the sessions-per-second limit is
    // refused, and its originate goes on with the others.
    let deadline = Instant::now() + Duration::from_secs(300);
    while sessions(fs) + LEGS_PER_ORIGINATE / 2 < target {
        assert!(
            Instant::now() < deadline,
            "FreeSWITCH holds {} sessions, not {target}:\n{}",
            sessions(fs),
            tail(&fs.log(), 20)
        );
        let reply = fs.api(&format!(
            "bgapi originate {{originate_timeout=86400,null_enable_auto_answer=false}}{legs} &park()"
        ));
        assert!(reply.contains("+OK"), "originate: {reply}");
        sleep(Duration::from_millis(250));
    }
    let mut last = u64::MAX;
    for _ in 0..30 {
        let t0 = cpu_ticks(pid);
        sleep(Duration::from_secs(1));
        let used = cpu_ticks(pid) - t0;
        if used * 10 <= last * 12 {
            break;
        }
        last = used;
    }
}

/// A moment (µs since the epoch) as a time of day in the local time zone,
/// as SIPp's trace stamps it.
fn time_of_day(epoch_us: i64, utc_offset_s: i64) -> Duration {
    let us = (epoch_us + utc_offset_s * 1_000_000).rem_euclid(86_400_000_000);
    Duration::from_micros(us as u64)
}

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64
}

/// The local time zone's offset from UTC in seconds (`date +%z`: +HHMM).
fn utc_offset_s() -> i64 {
    let out = std::process::Command::new("date")
        .arg("+%z")
        .output()
        .unwrap();
    let z = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let sign = if z.starts_with('-') { -1 } else { 1 };
    let digits: i64 = z.trim_start_matches(['+', '-']).parse().expect("date +%z");
    sign * (digits / 100 * 3600 + digits % 100 * 60)
}

/// One pickup by `method`: ms from the INVITE to the 200 OK, to the
/// bridge's time stamp, to the bridge event seen; None when it failed.
fn timed_pickup(fs: &FreeSwitch, method: usize, utc_offset_s: i64) -> Option<[f64; 3]> {
    let (_, call_number, pick_number) = METHODS[method];
    let mut events = fs.events("CHANNEL_CREATE CHANNEL_BRIDGE");
    let mut caller = fs.call("caller", call_number);
    if !fs.wait_ringing(1, WAIT) {
        eprintln!(
            "[bench] alice's call did not ring:\n{}",
            tail(&fs.log(), 20)
        );
        return None;
    }
    // Each method's own record (the variable, the pickup/ leg) is made before
    // alice is dialled; a moment more for the leg's ringing to settle.
    sleep(Duration::from_millis(20));
    // Connected for 300 ms: the picker's BYE comes after the bridge.
    let mut picker = fs.pick("picker", pick_number, 300);
    let created = events.next_event_where(
        "CHANNEL_CREATE",
        |e| e.header("Caller-Caller-ID-Number") == Some("picker"),
        WAIT,
    );
    let uuid = created
        .as_ref()
        .and_then(|e| e.header("Unique-ID"))
        .unwrap_or("")
        .to_string();
    let bridged = events.next_event_where(
        "CHANNEL_BRIDGE",
        |e| {
            e.header("Unique-ID") == Some(uuid.as_str())
                || e.header("Other-Leg-Unique-ID") == Some(uuid.as_str())
        },
        Duration::from_secs(10),
    );
    let seen_at = time_of_day(now_us(), utc_offset_s);
    let picked = picker.wait(WAIT);
    if picked.is_err() || picker.final_response() != Some(200) {
        // Not picked: the call still rings; end it.
        fs.api("hupall NORMAL_CLEARING dialed_user alice");
    }
    let called = caller.wait(WAIT);
    let result = match (&picked, &called, bridged, picker.invite_and_final_at()) {
        (Ok(()), Ok(()), Some(b), Some((sent, ok))) if picker.final_response() == Some(200) => {
            let stamp = b
                .header("Event-Date-Timestamp")
                .and_then(|t| t.parse().ok())
                .map(|us| time_of_day(us, utc_offset_s))?;
            let ms = |t: Duration| (t.as_secs_f64() - sent.as_secs_f64()) * 1e3;
            // The stamp can be up to a tick before the bridge, and so before
            // the INVITE; the bridge itself never is.
            Some([ms(ok), ms(stamp).max(0.0), ms(seen_at)])
        }
        _ => {
            eprintln!(
                "[bench] {} failed: picker {picked:?} ({:?}), caller {called:?}",
                METHODS[method].0,
                picker.final_response()
            );
            None
        }
    };
    // The next sample starts with nothing ringing at alice.
    if !fs.wait_ringing(0, WAIT) {
        eprintln!(
            "[bench] alice still rings: {}",
            fs.api("grouppickup show ringing")
        );
    }
    result
}

fn measure(fs: &FreeSwitch, pid: u32, pickups: usize) -> Row {
    let offset = utc_offset_s();
    let t0 = cpu_ticks(pid);
    let started = Instant::now();
    sleep(Duration::from_secs(3));
    let idle_cpu_ms_per_s =
        (cpu_ticks(pid) - t0) as f64 * TICK_MS / started.elapsed().as_secs_f64();
    let mut row = Row {
        sessions: sessions(fs),
        idle_cpu_ms_per_s,
        methods: Default::default(),
    };
    for round in 0..pickups {
        // Each method in turn, the order rotating, so that all three see the
        // machine as it is at that moment.
        for i in 0..3 {
            let method = (round + i) % 3;
            let samples = &mut row.methods[method];
            match timed_pickup(fs, method, offset) {
                Some(times) => {
                    for (all, t) in samples.times.iter_mut().zip(times) {
                        all.push(t);
                    }
                }
                None => samples.failures += 1,
            }
        }
    }
    row
}

fn print_table(rows: &[Row]) {
    println!("Pickup, picker dials -> connected with the caller (ms)");
    println!(
        "{:>8} | {:<17} | {:>7} {:>7} | {:>15} {:>15} | {:>7} {:>4} | {:>9}",
        "sessions", "method", "200 p50", "p95", "bridged p50", "p95", "samples", "fail", "idle cpu"
    );
    for r in rows {
        for (m, s) in r.methods.iter().enumerate() {
            let p = |i: usize, q: f64| percentile(&s.times[i], q);
            println!(
                "{:>8} | {:<17} | {:>7.2} {:>7.2} | {:>6.2} - {:>6.2} {:>6.2} - {:>6.2} | {:>7} {:>4} | {:>4.0} ms/s",
                r.sessions,
                METHODS[m].0,
                p(0, 50.0),
                p(0, 95.0),
                p(1, 50.0),
                p(2, 50.0),
                p(1, 95.0),
                p(2, 95.0),
                s.times[0].len(),
                s.failures,
                r.idle_cpu_ms_per_s
            );
        }
    }
    println!("   200: the picker's INVITE sent to its 200 OK received (SIPp's trace);");
    println!("   bridged: the same INVITE to the picker's CHANNEL_BRIDGE with the caller, from");
    println!("   the event's time stamp (FreeSWITCH's 20 ms clock: no later than the bridge, 0");
    println!("   when it falls before the INVITE) to the event reaching the benchmark (the event");
    println!("   socket's 20 ms poll: no earlier);");
    println!("   sessions: FreeSWITCH's session count while measuring; idle cpu: FreeSWITCH's");
    println!("   own use at that size with nothing happening.");
}

fn main() {
    if let Err(why) = grouppickup_testkit::freeswitch::installed() {
        println!("skipped: {why}");
        return;
    }
    let o = options();
    let started = Instant::now();
    let fs = FreeSwitch::start(FsSpec::new(
        &["alice", "caller", "picker"],
        &grouppickup_conf(),
        &dialplan(),
    ));
    let pid = fs.pid().expect("FreeSWITCH's pid");
    // Room for the background, and its debug log lines left out.
    for cmd in [
        "fsctl max_sessions 20000",
        "fsctl sps 5000",
        "fsctl loglevel warning",
    ] {
        fs.api(cmd);
    }
    let _alice = Sipp::start_long(
        SippSpec {
            scenario: "bench_ring.xml",
            phone: fs.phone("alice"),
            remote: None,
            calls: 1_000_000,
            hold_ms: 0,
        },
        LongRun::default(),
    );
    println!("== FreeSWITCH: group_pickup beside native intercept and pickup groups");
    println!("   {}", fs.api("version").trim());
    println!(
        "   background: null endpoint legs being dialled, {LEGS_PER_ORIGINATE} per originate, in no group"
    );
    let mut rows = Vec::new();
    for &target in &o.channels {
        if target > 0 {
            eprintln!("[bench] growing the background to {target} sessions");
            grow_background(&fs, pid, target);
        }
        eprintln!("[bench] {} sessions: measuring", sessions(&fs));
        let row = measure(&fs, pid, o.pickups);
        for (m, s) in row.methods.iter().enumerate() {
            eprintln!(
                "[bench] {} sessions, {}: 200 p50 {:.2} ms, bridged seen p50 {:.2} ms, {} failed",
                row.sessions,
                METHODS[m].0,
                percentile(&s.times[0], 50.0),
                percentile(&s.times[2], 50.0),
                s.failures
            );
        }
        rows.push(row);
    }
    println!();
    print_table(&rows);
    println!(
        "\n   freeswitch RSS at the end: {} MB; run took {:.0} s",
        rss_kb(pid) / 1024,
        started.elapsed().as_secs_f64()
    );
    // Everything hung up before FreeSWITCH shuts down, so that it does so
    // in time.
    fs.api("hupall NORMAL_CLEARING");
    let deadline = Instant::now() + Duration::from_secs(60);
    while sessions(&fs) > 0 && Instant::now() < deadline {
        sleep(Duration::from_millis(200));
    }
}
