//! Sustained load over SIP: callers ring group members and pickers dial the
//! group numbers, both at a steady rate, for at least a minute; then proof
//! that every pickup connected the right call exactly once. Run it with
//! `scripts/bench` (or `cargo run --release --example bench_sustained --
//! --rate 60 --seconds 65`).
//!
//! Ten groups *101..*110 with one member each (m01..m10, one SIPp process
//! answering 180 for all of them). Call k goes to member k % 10 + 1 with
//! caller number k (set in the dialplan from the dialed number); picker k
//! dials that member's group number, starting LEAD_S seconds after the callers,
//! so each picker has calls ringing in its group and takes the oldest.
//! Picker k names itself k (P-Asserted-Identity, trusted by its endpoint), so
//! each caller's own 200 OK says which picker answered it (its connected
//! line): the check that every pickup connected the right call exactly once
//! rests on what the callers saw, not on the module's own account.

use grouppickup_testkit::sustained::{self, Run};
use grouppickup_testkit::{measure, Pbx, PbxSpec, Phone};
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

    let mut phones = sustained::members();
    phones.push(Phone::new("caller"));
    phones.push(Phone::new("picker"));
    let pbx = Pbx::start(PbxSpec {
        phones: phones.clone(),
        grouppickup_conf: sustained::grouppickup_conf(),
        dialplan: format!(
            "{}exten => _9*1XX,1,Pickup(${{EXTEN:3}}@PICKUPMARK)\n",
            sustained::CALLER_DIALPLAN
        ),
        endpoint_options: sustained::ENDPOINT_OPTIONS.to_string(),
        files: Vec::new(),
    });
    let pid = measure::asterisk_pid(&pbx);
    let run = Run::new("sustained", calls, rate, if native { "9*1" } else { "*1" });

    println!("== Sustained load over SIP: {rate} calls/s and {rate} pickups/s for {seconds} s ({calls} calls)");
    let _members = run.members(&phones[0]);
    let cpu0 = measure::cpu_ticks(pid);
    let started = Instant::now();
    let mut callers = run.callers(&pbx, "caller");
    sleep(Duration::from_secs_f64(LEAD_S));
    let mut pickers = run.pickers(&pbx, "picker", 1000);
    let (pickers_exit, callers_exit) = run.finish(started, &mut callers, &mut pickers, || {
        sustained::progress(&pbx)
    });
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_s = (measure::cpu_ticks(pid) - cpu0) as f64 * measure::TICK_MS / 1e3;

    let pick_stats = pickers.counts();
    let call_stats = callers.counts();
    // Asterisk's own account of each pickup, with its time.
    let (picked, span, per_minute) = sustained::pickups_logged(&pbx.log());
    let outcome = run.outcome();
    let stats = pbx.cli("grouppickup show stats");

    println!();
    println!(
        "   ran {elapsed:.0} s; Asterisk used {cpu_s:.1} s of CPU ({:.0}% of one core)",
        cpu_s / elapsed * 100.0
    );
    sustained::print_side("pickers (SIPp)", pick_stats, pickers_exit);
    sustained::print_side("callers (SIPp)", call_stats, callers_exit);
    if native {
        // Pickup() logs nothing per pickup; count the callers' 200 OKs.
        println!(
            "   native Pickup(): {} pickups in {seconds} s of pickers = {:.0} pickups/minute",
            outcome.ok,
            outcome.ok as f64 / seconds * 60.0
        );
    } else {
        println!(
            "   pickups logged by Asterisk: {picked} over {span:.1} s = {per_minute:.0} pickups/minute (target >= 3000)   {}",
            if per_minute >= 3000.0 && pick_stats.1 == 0 && outcome.perfect(calls) {
                "ok"
            } else {
                "MISSED"
            }
        );
    }
    outcome.print(calls);
    for line in stats.lines() {
        println!("   | {line}");
    }
}
