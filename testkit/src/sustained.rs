//! Sustained pickups over SIP, as the benchmarks run them: ten groups
//! *101..*110 with one member each (m01..m10, one SIPp answering 180 for
//! all), a SIPp caller and a SIPp picker at a steady rate, and the check
//! that every pickup connected the right call exactly once, read from what
//! the callers saw.
//!
//! Call k goes to member k % 10 + 1 with caller number k (set in the
//! dialplan from the dialed number); picker k dials that member's group
//! number and names itself k (P-Asserted-Identity, trusted by its
//! endpoint), so each caller's own 200 OK says which picker answered it
//! (its connected line).

use crate::pbx::Pbx;
use crate::sipp::Sipp;
pub use crate::traffic::{
    group_of, grouppickup_conf, members, Answers, Run, ENDPOINT_OPTIONS, GROUPS,
};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The callers' extensions: 20 + member (2 digits) + call number (6
/// digits); the call number becomes the caller ID. Unlike the office of
/// `traffic`, a call rings until it is picked up.
pub const CALLER_DIALPLAN: &str =
    "exten => _20XXXXXXXX,1,Set(CALLERID(all)=\"c${EXTEN:4}\" <${EXTEN:4}>)\n\
     same => n,Set(__PICKUPMARK=${EXTEN:2:2})\n\
     same => n,Dial(PJSIP/m${EXTEN:2:2},120)\n";

/// Waits for the pickers of `run` to finish (the run's length and two
/// minutes more at most), with `progress` every 5 s, then for the callers,
/// who end when their picker hangs up; their exit codes, `None` for one
/// that had to be stopped.
pub fn finish(
    run: &Run,
    started: Instant,
    callers: &mut Sipp,
    pickers: &mut Sipp,
    progress: impl Fn() -> String,
) -> (Option<i32>, Option<i32>) {
    let seconds = run.calls as f64 / run.rate;
    let deadline = Instant::now() + Duration::from_secs_f64(seconds + 120.0);
    while pickers.running() && Instant::now() < deadline {
        sleep(Duration::from_secs(5));
        eprintln!(
            "[bench] {:>3.0} s: {}",
            started.elapsed().as_secs_f64(),
            progress()
        );
    }
    let pickers_exit = if pickers.running() {
        eprintln!("[bench] the pickers did not finish in time; stopping them");
        None
    } else {
        pickers.exit_code()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while callers.running() && Instant::now() < deadline {
        sleep(Duration::from_millis(200));
    }
    let callers_exit = if callers.running() {
        None
    } else {
        callers.exit_code()
    };
    (pickers_exit, callers_exit)
}

/// Every call connected to a picker of its group, once, none refused.
pub fn perfect(answers: &Answers, calls: usize) -> bool {
    answers.refused == 0 && answers.wrong + answers.twice == 0 && answers.ok == calls
}

pub fn print(answers: &Answers, calls: usize) {
    println!(
        "   callers' 200 OK: {} answered by a picker of their own group, {} by a wrong picker, {} by a picker that also answered another call; pickers connected: {}",
        answers.ok, answers.wrong, answers.twice, answers.connected
    );
    println!(
        "   pickers refused (nothing to pick up, or an error): {}",
        answers.refused
    );
    println!(
        "   distinct calls picked: {} of {calls}; groups: {}",
        answers.calls_seen.len(),
        answers.per_group.len()
    );
}

/// SIPp's own account of one side of the run: its successful and failed
/// calls ([`Sipp::counts`]) and its exit code.
pub fn print_side(side: &str, counts: (u64, u64), exit: Option<i32>) {
    println!(
        "   {side}:  {} successful, {} failed (exit code {exit:?})",
        counts.0, counts.1
    );
}

/// The pickups an Asterisk logged ("... picked up the call from ..."):
/// how many, over how many seconds from the first to the last, and that as
/// pickups per minute.
pub fn pickups_logged(log: &str) -> (usize, f64, f64) {
    let picked: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("picked up the call from"))
        .collect();
    let span = match (picked.first(), picked.last()) {
        (Some(a), Some(b)) if picked.len() > 1 => {
            (log_seconds(b).unwrap_or(0.0) - log_seconds(a).unwrap_or(0.0)).rem_euclid(86400.0)
        }
        _ => f64::NAN,
    };
    let per_minute = (picked.len().saturating_sub(1)) as f64 / span * 60.0;
    (picked.len(), span, per_minute)
}

/// The second of the day of an Asterisk log line, `[YYYY-MM-DD
/// HH:MM:SS.mmm] ...` (the test Asterisk's dateformat).
pub fn log_seconds(line: &str) -> Option<f64> {
    clock_seconds(line.get(12..24)?)
}

/// `HH:MM:SS.ffffff` as the second of the day.
pub fn clock_seconds(text: &str) -> Option<f64> {
    let mut p = text.split(':').map(|v| v.parse::<f64>().ok());
    Some(p.next()?? * 3600.0 + p.next()?? * 60.0 + p.next()??)
}

/// `grouppickup show stats`: pickups so far and the calls ringing now, on
/// one line, for progress reports.
pub fn progress(pbx: &Pbx) -> String {
    pbx.try_cli("grouppickup show stats")
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("Pickups") || l.starts_with("Ringing now"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}
