//! A soak: steady calls and pickups over SIP (testkit's `traffic`: ten
//! groups, callers and pickers at one rate) while the module is disturbed
//! the way a long day does, then proof that nothing was lost and nothing
//! kept. Run it with `scripts/soak`.
//!
//! Modes (what happens every `--every` seconds):
//! - `reload`: `module reload app_grouppickup.so`;
//! - `invalid-reload`: the file turns invalid and valid again, alternately,
//!   each time reloaded (the invalid one is refused);
//! - `assignments`: `grouppickup clear user` of a member, and `set user`
//!   back into its group the next time, member after member;
//! - `unload`: `module unload` (repeated until Asterisk takes it) and
//!   `module load` half a second later;
//! - `none`: the module loaded, nothing done to it;
//! - `plain`: the module not loaded, the pickers' calls plain calls the
//!   dialplan answers (no pickups); calls ring as long as a pickup would
//!   take, then are routed on.
//!
//! Checked at the end: every call was answered exactly once, by a picker of
//! its own group or routed on after ringing (the last GROUPS calls have no
//! picker, so something is ringing at the end); `grouppickup show ringing`
//! lists exactly the legs really ringing; Asterisk is the same process,
//! with as many threads as before. Asterisk's own heap grows with the calls
//! it has handled, module or not, so RSS is judged against a baseline: the
//! same traffic in an Asterisk without the module (`plain`), run first;
//! after the calls are gone, RSS may exceed the baseline's by
//! `--rss-margin` percent at most (`--baseline no`: RSS only reported).

use grouppickup_testkit::traffic::{self, Run, GROUPS};
use grouppickup_testkit::{measure, Pbx};
use std::collections::BTreeSet;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How long the callers run ahead of the pickers.
const LEAD_S: f64 = 3.0;
/// How long a call rings before it is routed on.
const RING_S: u32 = 10;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    Reload,
    InvalidReload,
    Assignments,
    Unload,
    None,
    Plain,
}

struct Options {
    mode: Mode,
    rate: f64,
    seconds: f64,
    every: f64,
    rss_margin: f64,
    baseline: bool,
}

fn options() -> Options {
    let mut o = Options {
        mode: Mode::Reload,
        rate: 40.0,
        seconds: 120.0,
        every: 1.8,
        rss_margin: 10.0,
        baseline: true,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || -> ! {
        eprintln!(
            "usage: soak [--mode reload|invalid-reload|assignments|unload|none|plain] [--rate 40] [--seconds 120] [--every 1.8] [--rss-margin 10] [--baseline yes|no]"
        );
        std::process::exit(2);
    };
    for pair in args.chunks(2) {
        let Some(v) = pair.get(1) else { usage() };
        let number = || v.parse::<f64>().unwrap_or_else(|_| usage());
        match pair[0].as_str() {
            "--mode" => {
                o.mode = match v.as_str() {
                    "reload" => Mode::Reload,
                    "invalid-reload" => Mode::InvalidReload,
                    "assignments" => Mode::Assignments,
                    "unload" => Mode::Unload,
                    "none" => Mode::None,
                    "plain" => Mode::Plain,
                    _ => usage(),
                }
            }
            "--rate" => o.rate = number(),
            "--seconds" => o.seconds = number(),
            "--every" => o.every = number(),
            "--rss-margin" => o.rss_margin = number(),
            "--baseline" => o.baseline = v == "yes",
            _ => usage(),
        }
    }
    o
}

fn threads(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, |d| d.count())
}

/// What the soak did to the module, and what Asterisk answered.
#[derive(Default, Debug)]
struct Disturbances {
    done: usize,
    /// Unloads Asterisk refused first (a pickup was running).
    unloads_refused: usize,
    /// Times it took until an unload succeeded, longest.
    longest_unload_s: f64,
    /// Failures: a valid reload, a load or a set refused, an invalid
    /// reload accepted.
    unexpected: Vec<String>,
}

fn disturb(pbx: &Pbx, mode: Mode, step: usize, d: &mut Disturbances) {
    let conf = traffic::grouppickup_conf();
    let mut expect = |command: &str, wanted: &str| {
        let out = pbx.try_cli(command).unwrap_or_else(|e| e);
        if !out.contains(wanted) {
            d.unexpected.push(format!("{command}: {}", out.trim()));
        }
    };
    match mode {
        Mode::Reload => expect("module reload app_grouppickup.so", "reloaded"),
        Mode::InvalidReload => {
            if step.is_multiple_of(2) {
                pbx.write_grouppickup_conf(&conf.replace("end = *199", "end = *1990"));
            } else {
                pbx.write_grouppickup_conf(&conf);
            }
            let out = pbx
                .try_cli("module reload app_grouppickup.so")
                .unwrap_or_else(|e| e);
            // Asterisk says the same for both; the log says which it was.
            if !out.contains("reload") {
                d.unexpected.push(format!("reload: {}", out.trim()));
            }
        }
        Mode::Assignments => {
            let member = (step / 2) % GROUPS + 1;
            if step.is_multiple_of(2) {
                expect(&format!("grouppickup clear user m{member:02}"), "m");
            } else {
                expect(
                    &format!("grouppickup set user m{member:02} group *1{member:02}"),
                    "m",
                );
            }
        }
        Mode::Unload => {
            match pbx.unload_module(Duration::from_secs(10)) {
                Ok((refused, took)) => {
                    d.unloads_refused += refused;
                    d.longest_unload_s = d.longest_unload_s.max(took.as_secs_f64());
                }
                Err(e) => {
                    d.unexpected.push(format!("no unload succeeded: {e}"));
                    return;
                }
            }
            sleep(Duration::from_millis(500));
            expect("module load app_grouppickup.so", "Loaded");
        }
        Mode::None | Mode::Plain => {}
    }
    d.done += 1;
}

/// Puts the module back as it was: loaded, the valid file, every member in
/// its group.
fn restore(pbx: &Pbx, mode: Mode, d: &mut Disturbances) {
    match mode {
        Mode::InvalidReload => {
            pbx.write_grouppickup_conf(&traffic::grouppickup_conf());
            pbx.cli("module reload app_grouppickup.so");
        }
        Mode::Assignments => {
            for m in 1..=GROUPS {
                pbx.cli(&format!("grouppickup set user m{m:02} group *1{m:02}"));
            }
        }
        _ => {}
    }
    let loaded = pbx.cli("module show like app_grouppickup.so");
    if mode != Mode::Plain && !loaded.contains("1 modules loaded") {
        d.unexpected
            .push(format!("the module is not loaded: {loaded}"));
    }
}

/// The legs `grouppickup show ringing` lists, and the members' legs
/// Asterisk has in state Ringing.
fn listed_and_ringing(pbx: &Pbx) -> (BTreeSet<String>, BTreeSet<String>) {
    let listed = pbx
        .try_cli("grouppickup show ringing")
        .unwrap_or_default()
        .split_whitespace()
        .filter(|w| w.starts_with("PJSIP/m"))
        .map(|w| w.trim_end_matches(',').to_string())
        .collect();
    let ringing = pbx
        .channels()
        .into_iter()
        .filter(|c| c.name.starts_with("PJSIP/m") && c.state == "Ringing")
        .map(|c| c.name)
        .collect();
    (listed, ringing)
}

fn main() {
    let o = options();
    // Every process the soak started is stopped (by its PID, when its
    // handle goes) before the exit code is given.
    let baseline = (o.baseline && o.mode != Mode::Plain).then(|| {
        let plain = Options {
            mode: Mode::Plain,
            ..o
        };
        soak(&plain, None)
    });
    if baseline.as_ref().is_some_and(|b| !b.passed) {
        std::process::exit(1);
    }
    let outcome = soak(&o, baseline.map(|b| b.rss_after_kb));
    if !outcome.passed {
        std::process::exit(1);
    }
}

struct Outcome {
    passed: bool,
    rss_after_kb: u64,
}

/// Runs the soak, its RSS at the end judged against `baseline_kb` if
/// given.
fn soak(o: &Options, baseline_kb: Option<u64>) -> Outcome {
    let calls = (o.rate * o.seconds).round() as usize;
    let plain = o.mode == Mode::Plain;
    // Plain calls ring as long as a pickup takes to come, then go on.
    let ring_s = if plain { LEAD_S as u32 } else { RING_S };
    let (mut pbx, member) = traffic::office(ring_s, !plain);
    let pid = measure::asterisk_pid(&pbx);
    sleep(Duration::from_secs(2));
    let (threads0, rss0) = (threads(pid), measure::rss_kb(pid));
    let run = Run::new(
        "soak",
        calls + GROUPS,
        calls,
        o.rate,
        if plain { "7*1" } else { "*1" },
    );
    println!(
        "== Soak, mode {:?}: {} calls/s and as many {} for {} s ({} calls, the last {GROUPS} without a picker), every {} s",
        o.mode,
        o.rate,
        if plain { "plain calls" } else { "pickups" },
        o.seconds,
        calls + GROUPS,
        o.every
    );
    println!("   before: Asterisk PID {pid}, {threads0} threads, RSS {rss0} kB");

    let _members = run.members(&member);
    let started = Instant::now();
    let mut callers = run.callers(&pbx);
    sleep(Duration::from_secs_f64(LEAD_S));
    let mut pickers = run.pickers(&pbx, calls, 1000);
    let mut d = Disturbances::default();
    let mut peak = rss0;
    let mut next = Instant::now();
    let deadline = Instant::now() + Duration::from_secs_f64(o.seconds + 120.0);
    while pickers.running() && Instant::now() < deadline {
        if Instant::now() >= next {
            disturb(&pbx, o.mode, d.done, &mut d);
            // No backlog when a disturbance takes longer than the period.
            next = next.max(Instant::now()) + Duration::from_secs_f64(o.every);
        }
        peak = peak.max(measure::rss_kb(pid));
        sleep(Duration::from_millis(100));
    }
    let pickers_done = !pickers.running();
    restore(&pbx, o.mode, &mut d);

    // The last calls have no picker: they ring now, and the index must list
    // exactly them (polled: the two lists are read one after the other).
    let mut compared = (BTreeSet::new(), BTreeSet::new());
    let mut index_true = plain;
    let check_until = Instant::now() + Duration::from_secs(5);
    while !plain && Instant::now() < check_until {
        compared = listed_and_ringing(&pbx);
        if compared.0 == compared.1 && !compared.1.is_empty() {
            index_true = true;
            break;
        }
        sleep(Duration::from_millis(100));
    }

    // Everything ends: routed-on calls after their ring time, picked ones
    // when their picker hangs up.
    let calls_end = Instant::now() + Duration::from_secs(u64::from(ring_s) + 60);
    while callers.running() && Instant::now() < calls_end {
        sleep(Duration::from_millis(200));
    }
    let callers_done = !callers.running();
    let quiet = Instant::now() + Duration::from_secs(30);
    while !pbx.channels().is_empty() && Instant::now() < quiet {
        sleep(Duration::from_millis(200));
    }
    let channels_left = pbx.channels().len();
    let elapsed = started.elapsed().as_secs_f64();
    // Thread pools shrink once idle; RSS is read once they have.
    let settle = Instant::now() + Duration::from_secs(90);
    while threads(pid) > threads0 && Instant::now() < settle {
        sleep(Duration::from_millis(500));
    }
    sleep(Duration::from_secs(2));
    let pid1 = measure::asterisk_pid(&pbx);
    let alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
    let (threads1, rss1) = (threads(pid), measure::rss_kb(pid));

    let a = run.answers();
    let stats = pbx.try_cli("grouppickup show stats").unwrap_or_default();
    // From the log: the module's counters start again at every load.
    let log = pbx.log();
    let nocall = log
        .matches("no pickable call is ringing in that group")
        .count();
    let failed = log.matches("the pickup could not be completed").count();
    let unanswered = (calls + GROUPS).saturating_sub(a.calls_seen.len());
    println!(
        "   ran {elapsed:.0} s; {} disturbances ({:?})",
        d.done, o.mode
    );
    if o.mode == Mode::Unload {
        println!(
            "   unloads refused first {} time(s); the longest until one succeeded {:.2} s",
            d.unloads_refused, d.longest_unload_s
        );
    }
    println!(
        "   calls {}: answered by a picker of their own group {}, routed on {}, by a wrong picker {}, twice {}, never answered {unanswered}",
        calls + GROUPS,
        a.ok,
        a.routed,
        a.wrong,
        a.twice
    );
    println!(
        "   pickers {calls}: connected {}, refused {}; GroupPickup logged NOCALL {nocall}, FAILED {failed}",
        a.connected, a.refused
    );
    if !plain {
        println!(
            "   at the end: {} legs ringing, {} listed by grouppickup show ringing: {}",
            compared.1.len(),
            compared.0.len(),
            if index_true { "the same" } else { "DIFFERENT" }
        );
    }
    println!(
        "   after: Asterisk PID {pid1} ({}), {threads1} threads, RSS {rss1} kB (peak {peak} kB), {channels_left} channels",
        if alive { "running" } else { "GONE" }
    );
    for line in stats.lines() {
        println!("   | {line}");
    }
    // What of that RSS is memory the C library holds freed: a load or
    // reload of the module hands it back (malloc_trim).
    let trim = if plain {
        "module load app_grouppickup.so"
    } else {
        "module reload app_grouppickup.so"
    };
    pbx.cli(trim);
    sleep(Duration::from_secs(1));
    println!(
        "   after '{trim}' (which trims the C library's heaps): RSS {} kB",
        measure::rss_kb(pid)
    );

    let mut failures = d.unexpected.clone();
    let rss_limit = baseline_kb.map_or(f64::INFINITY, |b| b as f64 * (1.0 + o.rss_margin / 100.0));
    if let Some(b) = baseline_kb {
        println!(
            "   RSS after the calls {rss1} kB; without the module (baseline) {b} kB: {:+.1}%",
            (rss1 as f64 / b as f64 - 1.0) * 100.0
        );
    }
    let checks = [
        (
            pickers_done && callers_done,
            "the phones did not finish".to_string(),
        ),
        (
            a.ok + a.routed == calls + GROUPS && a.wrong + a.twice == 0 && unanswered == 0,
            "a call was not answered exactly once by its own group or routed on".to_string(),
        ),
        (
            !plain || a.ok == 0,
            "a plain run picked a call up".to_string(),
        ),
        (
            index_true,
            format!("the index is not the legs ringing: {compared:?}"),
        ),
        (
            pid1 == pid && alive,
            "Asterisk is not the same process".to_string(),
        ),
        (
            threads1 <= threads0,
            format!("threads {threads0} -> {threads1}"),
        ),
        (
            rss1 as f64 <= rss_limit,
            format!(
                "RSS {rss1} kB, more than {}% over the baseline's {baseline_kb:?} kB",
                o.rss_margin
            ),
        ),
        (channels_left == 0, format!("{channels_left} channels left")),
    ];
    failures.extend(checks.into_iter().filter(|(ok, _)| !ok).map(|(_, why)| why));
    for f in &failures {
        println!("   FAILED: {f}");
    }
    if failures.is_empty() {
        println!("   ok");
    } else {
        println!(
            "   Asterisk's directory (configuration, logs) is kept: {}",
            pbx.keep().display()
        );
    }
    Outcome {
        passed: failures.is_empty(),
        rss_after_kb: rss1,
    }
}
