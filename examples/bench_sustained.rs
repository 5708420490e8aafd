//! Sustained load over SIP: callers ring group members and pickers dial the
//! group numbers, both at a steady rate, for at least a minute; then proof
//! that every pickup connected the right call exactly once. Run it with
//! `scripts/bench` (or `cargo run --release --example bench_sustained --
//! --rate 60 --seconds 65`).
//!
//! The office, the callers and pickers and the check that every pickup
//! connected the right call exactly once are testkit's `traffic`.

use grouppickup_testkit::measure;
use grouppickup_testkit::sustained;
use grouppickup_testkit::traffic::{self, Run};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How long the callers run ahead of the pickers: the calls a picker can
/// find ringing in its group are those of the last LEAD_S seconds.
const LEAD_S: f64 = 3.0;

fn main() {
    let mut rate = 60.0f64;
    let mut seconds = 65.0f64;
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // --native: the pickers use Asterisk's Pickup(<member>@PICKUPMARK)
    // instead of dialing group numbers, for comparison.
    let native = args.iter().any(|a| a == "--native");
    args.retain(|a| a != "--native");
    for pair in args.chunks(2) {
        match (pair[0].as_str(), pair.get(1)) {
            ("--rate", Some(v)) => rate = v.parse().expect("--rate calls per second"),
            ("--seconds", Some(v)) => seconds = v.parse().expect("--seconds N"),
            _ => {
                eprintln!("usage: bench_sustained [--rate 60] [--seconds 65] [--native]");
                std::process::exit(2);
            }
        }
    }
    let calls = (rate * seconds).round() as usize;

    let (pbx, member) = traffic::office(120, true);
    let pid = measure::asterisk_pid(&pbx);
    let run = Run::new(
        "sustained",
        calls,
        calls,
        rate,
        if native { "9*1" } else { "*1" },
    );

    println!("== Sustained load over SIP: {rate} calls/s and {rate} pickups/s for {seconds} s ({calls} calls)");
    let _members = run.members(&member);
    let cpu0 = measure::cpu_ticks(pid);
    let started = Instant::now();
    let mut callers = run.callers(&pbx);
    sleep(Duration::from_secs_f64(LEAD_S));
    let mut pickers = run.pickers(&pbx, calls, 1000);
    let (pickers_exit, callers_exit) =
        sustained::finish(&run, started, &mut callers, &mut pickers, || {
            sustained::progress(&pbx)
        });
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_s = (measure::cpu_ticks(pid) - cpu0) as f64 * measure::TICK_MS / 1e3;

    let pick_stats = pickers.counts();
    let call_stats = callers.counts();

    // Asterisk's own account of each pickup, with its time.
    let picked = traffic::pickup_times(&pbx.log());
    let span = match (picked.first(), picked.last()) {
        (Some(a), Some(b)) if picked.len() > 1 => b - a,
        _ => f64::NAN,
    };
    let per_minute = (picked.len().saturating_sub(1)) as f64 / span * 60.0;
    let answers = run.answers();
    let (ok, wrong, twice) = (answers.ok, answers.wrong, answers.twice);
    let (refused, connected) = (answers.refused, answers.connected);
    let stats = pbx.cli("grouppickup show stats");

    println!();
    println!(
        "   ran {elapsed:.0} s; Asterisk used {cpu_s:.1} s of CPU ({:.0}% of one core)",
        cpu_s / elapsed * 100.0
    );
    println!(
        "   pickers (SIPp):  {} successful, {} failed (exit code {:?})",
        pick_stats.0, pick_stats.1, pickers_exit
    );
    println!(
        "   callers (SIPp):  {} successful, {} failed (exit code {:?})",
        call_stats.0, call_stats.1, callers_exit
    );
    if native {
        // Pickup() logs nothing per pickup; count the callers' 200 OKs.
        println!(
            "   native Pickup(): {ok} pickups in {seconds} s of pickers = {:.0} pickups/minute",
            ok as f64 / seconds * 60.0
        );
    } else {
        println!(
            "   pickups logged by Asterisk: {} over {:.1} s = {:.0} pickups/minute (target >= 3000)   {}",
            picked.len(),
            span,
            per_minute,
            if per_minute >= 3000.0
                && pick_stats.1 == 0
                && refused == 0
                && wrong + twice == 0
                && ok == calls
            {
                "ok"
            } else {
                "MISSED"
            }
        );
    }
    println!(
        "   callers' 200 OK: {ok} answered by a picker of their own group, {wrong} by a wrong picker, {twice} by a picker that also answered another call; pickers connected: {connected}"
    );
    println!("   pickers refused (nothing to pick up, or an error): {refused}");
    println!(
        "   distinct calls picked: {} of {calls}; groups: {}",
        answers.calls_seen.len(),
        answers.per_group.len()
    );
    for line in stats.lines() {
        println!("   | {line}");
    }
}
