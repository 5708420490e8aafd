//! What loading app_grouppickup.so costs a PBX that is not picking up:
//! ordinary calls at a steady rate through one Asterisk, alternately with
//! the module loaded and unloaded (`module unload app_grouppickup.so`), in
//! one run so both see the same machine. Run it with `scripts/bench
//! overhead` (or `cargo run --release --example bench_overhead -- --rate
//! 100 --seconds 20 --rounds 3`).
//!
//! Each call: a SIPp caller dials, the dialplan's Dial() rings a device, a
//! SIPp phone answers it (180, then 200), the caller hangs up after
//! `--hold` ms. No pickups. The configuration has 1,000 users in 100 groups
//! (grouppickup-testkit's bigconf); `--grouped` percent of the calls go to
//! devices of grouped users (the module looks those legs up), the others
//! to devices of nobody in a group (a hash lookup in the module).
//!
//! Figures: Asterisk's CPU time (utime + stime of /proc/<pid>/stat) per
//! call over each phase, from the first call placed to the last one ended,
//! and the calls per second reached.

use grouppickup_testkit::measure::{self, cpu_ticks, TICK_MS};
use grouppickup_testkit::{bigconf, free_port, LongRun, Pbx, PbxSpec, Phone, Sipp, SippSpec};
use std::fmt::Write as _;
use std::fs;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// Users and groups of the configuration.
const USERS: usize = 1_000;
const GROUPS: usize = 100;
/// Devices dialed: this many of grouped users, this many of nobody.
const GROUPED_DEVICES: usize = 10;
const PLAIN_DEVICES: usize = 40;
/// The target: CPU per call added by the module, in percent.
const TARGET_PERCENT: f64 = 2.0;

struct Options {
    rate: f64,
    seconds: f64,
    rounds: usize,
    hold_ms: u32,
    grouped_percent: usize,
}

fn options() -> Options {
    let mut o = Options {
        rate: 100.0,
        seconds: 20.0,
        rounds: 3,
        hold_ms: 200,
        grouped_percent: 20,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).map(String::as_str).unwrap_or("");
        let ok = match pair[0].as_str() {
            "--rate" => value.parse().map(|v| o.rate = v).is_ok(),
            "--seconds" => value.parse().map(|v| o.seconds = v).is_ok(),
            "--rounds" => value.parse().map(|v| o.rounds = v).is_ok(),
            "--hold" => value.parse().map(|v| o.hold_ms = v).is_ok(),
            "--grouped" => value
                .parse()
                .map(|v: usize| o.grouped_percent = v.min(100))
                .is_ok(),
            _ => false,
        };
        if !ok {
            eprintln!(
                "usage: bench_overhead [--rate 100] [--seconds 20] [--rounds 3] [--hold 200] [--grouped 20]\n\
                 \x20 --rate     calls per second\n\
                 \x20 --seconds  length of each phase (module loaded, or not)\n\
                 \x20 --rounds   pairs of phases (loaded, unloaded), alternating\n\
                 \x20 --hold     how long each call stays connected, ms\n\
                 \x20 --grouped  percent of the calls that ring a grouped user's device"
            );
            std::process::exit(2);
        }
    }
    o
}

/// One phase: the calls SIPp placed and Asterisk's CPU over them.
#[derive(Clone, Copy, Default)]
struct Phase {
    calls: u64,
    failed: u64,
    cpu_ticks: u64,
    seconds: f64,
}

impl Phase {
    fn cpu_ms_per_call(&self) -> f64 {
        self.cpu_ticks as f64 * TICK_MS / self.calls.max(1) as f64
    }

    fn calls_per_second(&self) -> f64 {
        self.calls as f64 / self.seconds
    }

    fn add(&mut self, other: &Phase) {
        self.calls += other.calls;
        self.failed += other.failed;
        self.cpu_ticks += other.cpu_ticks;
        self.seconds += other.seconds;
    }
}

const LOADED: usize = 0;
const UNLOADED: usize = 1;
const NAMES: [&str; 2] = ["loaded", "unloaded"];

fn main() {
    let o = options();
    let calls_per_phase = (o.rate * o.seconds).round() as u32;

    // Every dialed device is played by one SIPp phone on one port.
    let answer_port = free_port();
    let grouped: Vec<String> = (0..GROUPED_DEVICES).map(bigconf::user_name).collect();
    let plain: Vec<String> = (0..PLAIN_DEVICES).map(|d| format!("p{d:03}")).collect();
    let mut phones: Vec<Phone> = grouped
        .iter()
        .chain(&plain)
        .map(|name| Phone {
            name: name.clone(),
            port: answer_port,
        })
        .collect();
    phones.push(Phone::new("caller"));
    let mut pbx = Pbx::start(PbxSpec {
        phones,
        grouppickup_conf: bigconf::generate(USERS, GROUPS, ""),
        dialplan: "exten => _7.,1,Dial(PJSIP/${EXTEN:1},30)\n same => n,Hangup()\n".to_string(),
        // RTP bound to 127.0.0.1 (see bench_sustained: bound to the wildcard
        // address, every RTCP session resolves the host's name).
        endpoint_options: "media_address = 127.0.0.1\nbind_rtp_to_media_address = yes\n"
            .to_string(),
        files: Vec::new(),
    });
    // Log notices and up only: the dialplan's verbose trace of every call
    // would otherwise be most of the work, the same in both phases.
    fs::write(
        measure::host_path(&pbx, "etc/logger.conf"),
        "[general]\ndateformat = %F %T.%3q\n[logfiles]\nmessages.log => notice,warning,error\n",
    )
    .unwrap();
    pbx.restart();
    let pid = measure::asterisk_pid(&pbx);

    // The callers' numbers, `grouped_percent` in each hundred to grouped
    // users' devices, spread evenly.
    let work =
        std::env::temp_dir().join(format!("grouppickup-sipp-{}-overhead", std::process::id()));
    fs::create_dir_all(&work).unwrap();
    let mut numbers = String::from("SEQUENTIAL\n");
    for k in 0..calls_per_phase as usize {
        let device = if k % 100 < o.grouped_percent {
            &grouped[k % GROUPED_DEVICES]
        } else {
            &plain[k % PLAIN_DEVICES]
        };
        let _ = writeln!(numbers, "7{device};");
    }
    let numbers_file = work.join("numbers.csv");
    fs::write(&numbers_file, numbers).unwrap();

    println!(
        "== Module overhead on ordinary calls: {} calls/s, {} s per phase, {} round(s) of loaded/unloaded",
        o.rate, o.seconds, o.rounds
    );
    println!(
        "   {USERS} users in {GROUPS} groups; {}% of the calls ring a grouped user's device; calls held {} ms; no pickups",
        o.grouped_percent, o.hold_ms
    );
    let phone = pbx.phone(&grouped[0]).clone();
    let _answering = Sipp::start_long(
        SippSpec {
            scenario: "bench_answer.xml",
            phone: &phone,
            remote: None,
            calls: 100_000_000,
            hold_ms: 0,
        },
        LongRun::default(),
    );

    // A phase not counted: Asterisk's thread pools grow and its caches fill
    // on the first calls after a start.
    let warm_up = run_phase(&pbx, pid, &o, calls_per_phase.min(1000), &numbers_file);
    eprintln!(
        "[bench] warm-up: {} calls ({} failed), not counted",
        warm_up.calls, warm_up.failed
    );

    let mut totals = [Phase::default(); 2];
    let mut rounds: Vec<[Phase; 2]> = Vec::new();
    for round in 0..o.rounds {
        let mut pair = [Phase::default(); 2];
        // Alternate which comes first, so a drift of the machine over the
        // run weighs on both alike.
        let order = if round % 2 == 0 {
            [LOADED, UNLOADED]
        } else {
            [UNLOADED, LOADED]
        };
        for which in order {
            set_loaded(&pbx, which == LOADED);
            let phase = run_phase(&pbx, pid, &o, calls_per_phase, &numbers_file);
            eprintln!(
                "[bench] round {} {:>8}: {} calls ({} failed) in {:.1} s, {:.3} ms CPU per call",
                round + 1,
                NAMES[which],
                phase.calls,
                phase.failed,
                phase.seconds,
                phase.cpu_ms_per_call()
            );
            pair[which] = phase;
            totals[which].add(&phase);
        }
        rounds.push(pair);
    }
    set_loaded(&pbx, true);

    println!();
    println!("   round  module    calls  failed  calls/s  CPU ms/call  added CPU/call");
    for (i, pair) in rounds.iter().enumerate() {
        for which in [LOADED, UNLOADED] {
            let p = &pair[which];
            println!(
                "   {:>5}  {:<8} {:>6}  {:>6}  {:>7.1}  {:>11.3}  {}",
                i + 1,
                NAMES[which],
                p.calls,
                p.failed,
                p.calls_per_second(),
                p.cpu_ms_per_call(),
                if which == LOADED {
                    format!("{:+.1}%", added_percent(pair))
                } else {
                    String::new()
                }
            );
        }
    }
    let added = added_percent(&totals);
    println!();
    for which in [LOADED, UNLOADED] {
        let t = &totals[which];
        println!(
            "   {:<8}: {} calls, {} failed, {:.1} calls/s, Asterisk {:.3} ms CPU per call ({:.1} s CPU)",
            NAMES[which],
            t.calls,
            t.failed,
            t.calls_per_second(),
            t.cpu_ms_per_call(),
            t.cpu_ticks as f64 * TICK_MS / 1e3
        );
    }
    let spread: Vec<f64> = rounds.iter().map(added_percent).collect();
    println!(
        "   added CPU per call with the module loaded: {added:+.1}% (rounds: {}; target <= {TARGET_PERCENT}%)   {}",
        spread
            .iter()
            .map(|v| format!("{v:+.1}%"))
            .collect::<Vec<_>>()
            .join(", "),
        if added <= TARGET_PERCENT {
            "met"
        } else {
            "MISSED"
        }
    );
    if std::env::var_os("GP_KEEP").is_none() {
        let _ = fs::remove_dir_all(&work);
    }
}

/// CPU per call loaded against unloaded, in percent.
fn added_percent(pair: &[Phase; 2]) -> f64 {
    (pair[LOADED].cpu_ms_per_call() / pair[UNLOADED].cpu_ms_per_call() - 1.0) * 100.0
}

/// Loads or unloads the module, and checks that it took.
fn set_loaded(pbx: &Pbx, loaded: bool) {
    let command = if loaded { "load" } else { "unload" };
    let _ = pbx.cli(&format!("module {command} app_grouppickup.so"));
    let want = if loaded {
        "1 modules loaded"
    } else {
        "0 modules loaded"
    };
    pbx.wait_for(
        &format!("app_grouppickup.so {command}ed"),
        Duration::from_secs(10),
        |p| {
            let out = p.try_cli("module show like app_grouppickup").ok()?;
            out.contains(want).then_some(())
        },
    );
}

/// One phase: `calls` calls at the rate; Asterisk's CPU from the first call
/// placed to the last one ended.
fn run_phase(pbx: &Pbx, pid: u32, o: &Options, calls: u32, numbers: &std::path::Path) -> Phase {
    wait_idle(pbx);
    let cpu0 = cpu_ticks(pid);
    let started = Instant::now();
    let mut caller = Sipp::start_long(
        SippSpec {
            scenario: "bench_dial.xml",
            phone: pbx.phone("caller"),
            remote: Some((pbx.sip_port, "bench")),
            calls,
            hold_ms: o.hold_ms,
        },
        LongRun {
            rate: o.rate,
            limit: 5000,
            extra: vec!["-inf".into(), numbers.display().to_string()],
        },
    );
    let deadline = started + Duration::from_secs_f64(o.seconds * 3.0 + 60.0);
    while caller.running() && Instant::now() < deadline {
        sleep(Duration::from_millis(20));
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_ticks(pid) - cpu0;
    if caller.running() {
        eprintln!("[bench] the caller did not finish in time; stopping it");
    }
    // SIPp writes its statistics file once a second and when it exits.
    let (calls, failed) = caller.counts();
    drop(caller);
    Phase {
        calls,
        failed,
        cpu_ticks: cpu,
        seconds,
    }
}

/// Waits until Asterisk has no channels left (the previous phase's calls
/// have all ended).
fn wait_idle(pbx: &Pbx) {
    pbx.wait_for("no channels", Duration::from_secs(30), |p| {
        let out = p.try_cli("core show channels count").ok()?;
        out.contains("0 active channels").then_some(())
    });
}
