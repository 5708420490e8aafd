//! Races in a real Asterisk with real SIP phones (SIPp, and a small phone
//! of our own where the timing must be exact): several pickers dialing at
//! once, the callee answering as a picker dials, the caller hanging up (from
//! Asterisk, or with its phone's own CANCEL) or the picker's phone giving up
//! in the middle of a pickup. Whatever the timing, exactly one party gets each call, every
//! loser is told so, Asterisk keeps running and nothing stays in the index.
//!
//! Each scenario repeats GP_RACE_ITERATIONS times (default 3) on one
//! Asterisk and prints its tally (run with --nocapture to see it):
//!
//! ```sh
//! GP_RACE_ITERATIONS=50 cargo test --release --test races -- --nocapture
//! ```
//!
//! Pickers dial `8<number>`, the extension that runs GroupPickup and logs
//! GROUPPICKUP_STATUS when it fails; a picker does not know in advance
//! whether it will win, so its scenario (uac_race.xml) takes either a 200
//! or a 403.

use grouppickup_testkit::uas::AnsweringPhone;
use grouppickup_testkit::{
    measure, tail, uac, Pbx, PbxSpec, Phone, Sipp, SippSpec, OFFICE_WITH_ALICE, REPO,
};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The office, with carol and frank in alice's group.
fn conf() -> String {
    format!(
        "{}\n[carol]\ntype = user\nendpoint = PJSIP/carol\ngroup = *101\n\n\
         [frank]\ntype = user\nendpoint = PJSIP/frank\ngroup = *101\n",
        OFFICE_WITH_ALICE
    )
}

const DIALPLAN: &str = "\
exten => 2001,1,Dial(PJSIP/alice,60)
exten => 2002,1,Dial(PJSIP/carol,60)
exten => 2003,1,Dial(PJSIP/frank,60)
";

const CALLEES: [&str; 3] = ["alice", "carol", "frank"];
const PICKERS: usize = 8;
const WAIT: Duration = Duration::from_secs(60);

/// The scenarios share two cores with whatever else runs: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn iterations() -> usize {
    std::env::var("GP_RACE_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

thread_local! {
    /// Where the logs of the round under way go if it fails.
    static ROUND_LOGS: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Keeps the logs of a failed round: Asterisk's, and those of every phone
/// of the round (SIPp and testkit's phones keep theirs when a test fails),
/// in target/race-failures/<scenario>-<round>/.
struct RoundLogs<'a> {
    pbx: &'a Pbx,
    dir: PathBuf,
}

impl<'a> RoundLogs<'a> {
    fn new(pbx: &'a Pbx, scenario: &str, round: usize) -> RoundLogs<'a> {
        let dir = PathBuf::from(REPO)
            .join("target/race-failures")
            .join(format!("{scenario}-{round}"));
        ROUND_LOGS.with(|n| *n.borrow_mut() = format!("target/race-failures/{scenario}-{round}/"));
        RoundLogs { pbx, dir }
    }
}

/// Said in every failure: where the round's logs are kept.
fn logs_note() -> String {
    ROUND_LOGS.with(|n| {
        format!(
            "(Asterisk's and the phones' logs of this round: {})",
            n.borrow()
        )
    })
}

impl Drop for RoundLogs<'_> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::create_dir_all(&self.dir);
        for log in ["messages.log", "console.log"] {
            let from = measure::host_path(self.pbx, &format!("log/{log}"));
            let _ = std::fs::copy(from, self.dir.join(format!("asterisk-{log}")));
        }
        // The phones of this process that kept their logs: those of this
        // round (the others removed theirs when they ended).
        let mine = [
            format!("grouppickup-sipp-{}-", std::process::id()),
            format!("grouppickup-uas-{}-", std::process::id()),
        ];
        for entry in std::fs::read_dir(std::env::temp_dir())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if mine.iter().any(|m| name.starts_with(m)) {
                let to = self.dir.join(&name);
                let _ = std::fs::create_dir_all(&to);
                for file in std::fs::read_dir(entry.path())
                    .into_iter()
                    .flatten()
                    .flatten()
                {
                    let _ = std::fs::copy(file.path(), to.join(file.file_name()));
                }
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        eprintln!("logs of the failed round kept in {}", self.dir.display());
    }
}

fn office() -> Pbx {
    let mut names: Vec<String> = CALLEES.iter().map(|s| s.to_string()).collect();
    names.extend((1..=3).map(|i| format!("caller{i}")));
    names.extend((0..PICKERS).map(|i| format!("p{i}")));
    Pbx::start(PbxSpec {
        phones: names.iter().map(|n| Phone::new(n)).collect(),
        grouppickup_conf: conf(),
        dialplan: DIALPLAN.to_string(),
        endpoint_options: String::new(),
        files: Vec::new(),
    })
}

/// Like `Pbx::wait_ringing`, with a minute's patience: in the test root,
/// Asterisk looks up the machine's host name for every new channel, and
/// with no name server reachable that lookup now and then takes ten
/// seconds (`getaddrinfo("vm", ...): Temporary failure in name resolution`
/// in Asterisk's log).
fn wait_ringing(pbx: &Pbx, n: usize) -> String {
    pbx.wait_for(
        &format!("{n} ringing call(s)"),
        Duration::from_secs(90),
        |p| {
            let out = p.try_cli("grouppickup show ringing").ok()?;
            out.contains(&format!("{n} call(s) ringing")).then_some(out)
        },
    )
}

/// Starts a round's phones with `start` and waits until `n` calls ring.
/// When they do not within 30 s, one of the phones most likely could not
/// bind its port (see `Sipp::finish_picker`) and never took part: every channel is
/// hung up and the round is set up again, up to three times. Returns the
/// phones, in the order `start` gave them, and when they were started.
fn ring_round<T>(pbx: &Pbx, n: usize, start: impl Fn() -> T) -> (T, Instant) {
    let want = format!("{n} call(s) ringing");
    for attempt in 1..=3 {
        let started = Instant::now();
        let phones = start();
        while started.elapsed() < Duration::from_secs(30) {
            let out = pbx.try_cli("grouppickup show ringing");
            if out.is_ok_and(|o| o.contains(&want)) {
                return (phones, started);
            }
            sleep(Duration::from_millis(50));
        }
        eprintln!(
            "set-up attempt {attempt}: {n} call(s) did not ring within 30 s; setting up again"
        );
        drop(phones);
        let _ = pbx.try_cli("channel request hangup all");
        wait_ringing(pbx, 0);
    }
    panic!(
        "{n} call(s) never rang in three attempts {}\n--- channels:\n{}\n--- log:\n{}",
        logs_note(),
        pbx.try_cli("core show channels concise")
            .unwrap_or_default(),
        tail(&pbx.log(), 40)
    );
}

/// How far apart (ms) the GroupPickup applications of this round started,
/// from Asterisk's log timestamps; None when they cannot be read.
fn start_spread_ms(pbx: &Pbx, skip: usize) -> Option<i64> {
    let stamps: Vec<i64> = pbx
        .log()
        .lines()
        .filter(|l| l.contains("Executing [8*101@internal:1] GroupPickup"))
        .skip(skip)
        .filter_map(|l| {
            // [2026-11-28 17:00:54.123] ...
            let time = l.get(12..24)?;
            let mut parts = time.split([':', '.']);
            let (h, m, s, ms) = (
                parts.next()?.parse::<i64>().ok()?,
                parts.next()?.parse::<i64>().ok()?,
                parts.next()?.parse::<i64>().ok()?,
                parts.next()?.parse::<i64>().ok()?,
            );
            Some(((h * 60 + m) * 60 + s) * 1000 + ms)
        })
        .collect();
    Some(stamps.iter().max()? - stamps.iter().min()?)
}

fn group_pickup_starts(pbx: &Pbx) -> usize {
    pbx.log()
        .matches("Executing [8*101@internal:1] GroupPickup")
        .count()
}

/// One call from caller1 (running `scenario`) ringing at alice's phone:
/// (alice, caller).
fn call_ringing_at_alice(pbx: &Pbx, scenario: &str) -> (Sipp, Sipp) {
    let (phones, _) = ring_round(pbx, 1, || {
        let alice = pbx.ringing_phone("alice", 1);
        let caller = Sipp::start(SippSpec {
            scenario,
            phone: pbx.phone("caller1"),
            remote: Some((pbx.sip_port, "2001")),
            calls: 1,
            hold_ms: 0,
        });
        vec![alice, caller]
    });
    let mut phones = phones.into_iter();
    (phones.next().unwrap(), phones.next().unwrap())
}

fn assert_alive_and_clean(pbx: &Pbx) {
    let uptime = pbx.try_cli("core show uptime");
    assert!(
        uptime.as_deref().is_ok_and(|u| u.contains("uptime")),
        "Asterisk does not answer any more: {uptime:?}\n{}",
        tail(&pbx.console_log(), 40)
    );
    wait_ringing(pbx, 0);
}

fn finish(sipp: &mut Sipp, what: &str) {
    if let Err(e) = sipp.wait(WAIT) {
        panic!(
            "{what}: {e} {}\n--- messages:\n{}",
            logs_note(),
            tail(&sipp.messages(), 60)
        );
    }
}

#[derive(Default)]
struct Tally {
    rounds: usize,
    wins: usize,
    nocall: usize,
    /// Pickers whose SIPp could not start (see `Sipp::finish_picker`).
    not_started: usize,
    /// Per round: how far apart the pickers' GroupPickup started (ms).
    spreads_ms: Vec<i64>,
}

impl Tally {
    fn spread(&self) -> String {
        let mut s = self.spreads_ms.clone();
        s.sort_unstable();
        if s.is_empty() {
            return "start spread unknown".to_string();
        }
        format!(
            "GroupPickup starts {} ms apart (median), {} of {} rounds within 20 ms, at most {} ms",
            s[s.len() / 2],
            s.iter().filter(|v| **v <= 20).count(),
            s.len(),
            s[s.len() - 1]
        )
    }
}

/// (a) One call ringing, n pickers at once: exactly one is connected to the
/// caller, every other one gets NOCALL.
fn one_call_many_pickers(pbx: &Pbx, n: usize) -> Tally {
    let mut tally = Tally::default();
    for round in 0..iterations() {
        let _logs = RoundLogs::new(pbx, &format!("a{n}"), round);
        let (phones, _) = ring_round(pbx, 1, || {
            vec![pbx.ringing_phone("alice", 1), pbx.call("caller1", "2001")]
        });
        let mut phones = phones.into_iter();
        let (mut alice, mut caller) = (phones.next().unwrap(), phones.next().unwrap());
        let (statuses, picked, starts) = (
            pbx.statuses().len(),
            pbx.pickups().len(),
            group_pickup_starts(pbx),
        );

        let mut pickers: Vec<Sipp> = (0..n).map(|i| pbx.race(&format!("p{i}"), "*101")).collect();
        let started = pickers.len();
        pickers.retain_mut(|p| p.finish_picker(&format!("n={n} round {round}: picker")));
        tally.not_started += started - pickers.len();
        let n = pickers.len();
        assert!(n > 0, "round {round}: no picker could start");
        finish(&mut caller, "caller");
        finish(&mut alice, "alice");

        let finals: Vec<Option<u16>> = pickers.iter().map(Sipp::final_response).collect();
        let winners: Vec<&Sipp> = pickers
            .iter()
            .filter(|p| p.final_response() == Some(200))
            .collect();
        let losers = finals.iter().filter(|f| **f == Some(403)).count();
        assert_eq!(
            (winners.len(), losers),
            (1, n - 1),
            "n={n} round {round}: final responses {finals:?}"
        );
        let new_statuses = pbx.wait_statuses(statuses + n - 1)[statuses..].to_vec();
        assert_eq!(new_statuses, vec!["NOCALL"; n - 1], "n={n} round {round}");
        let new_pickups = pbx.pickups()[picked..].to_vec();
        assert_eq!(new_pickups.len(), 1, "n={n} round {round}: {new_pickups:?}");
        assert!(
            new_pickups[0]
                .0
                .starts_with(&format!("PJSIP/{}-", winners[0].name))
                && new_pickups[0].1 == "caller1",
            "n={n} round {round}: {new_pickups:?}, SIP winner {}",
            winners[0].name
        );
        let reasons = alice.cancel_reasons();
        assert!(
            reasons.len() == 1 && reasons[0].contains("cause=200"),
            "n={n} round {round}: alice's CANCELs {reasons:?}"
        );
        assert_alive_and_clean(pbx);

        tally.rounds += 1;
        tally.wins += winners.len();
        tally.nocall += new_statuses.len();
        tally.spreads_ms.extend(start_spread_ms(pbx, starts));
    }
    eprintln!(
        "race (a) 1 call, {n} pickers: {} rounds, {} connected, {} NOCALL, {} picker(s) could not start; {}",
        tally.rounds,
        tally.wins,
        tally.nocall,
        tally.not_started,
        tally.spread()
    );
    tally
}

#[test]
fn one_call_and_two_four_eight_pickers_at_once() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let pbx = office();
    for n in [2, 4, 8] {
        let tally = one_call_many_pickers(&pbx, n);
        assert_eq!(tally.wins, tally.rounds);
    }
    let stats = pbx.cli("grouppickup show stats");
    assert!(stats.contains("Pickups"), "{stats}");
}

/// (b) k calls ringing, 2k pickers at once: exactly k are connected, each
/// to a different caller.
#[test]
fn k_calls_and_twice_as_many_pickers() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let pbx = office();
    let k = CALLEES.len();
    let mut tally = Tally::default();
    for round in 0..iterations() {
        let _logs = RoundLogs::new(&pbx, "b", round);
        let (mut callees, _) = ring_round(&pbx, k, || {
            let mut phones: Vec<Sipp> = CALLEES.iter().map(|c| pbx.ringing_phone(c, 1)).collect();
            phones.extend((1..=k).map(|i| pbx.call(&format!("caller{i}"), &format!("200{i}"))));
            phones
        });
        let mut callers = callees.split_off(k);
        let (statuses, picked, starts) = (
            pbx.statuses().len(),
            pbx.pickups().len(),
            group_pickup_starts(&pbx),
        );

        let mut pickers: Vec<Sipp> = (0..2 * k)
            .map(|i| pbx.race(&format!("p{i}"), "*101"))
            .collect();
        pickers.retain_mut(|p| p.finish_picker(&format!("round {round}: picker")));
        tally.not_started += 2 * k - pickers.len();
        assert!(
            pickers.len() >= k,
            "round {round}: fewer pickers than calls could start"
        );
        for c in callers.iter_mut().chain(callees.iter_mut()) {
            finish(c, &format!("round {round}: caller/callee"));
        }

        let finals: Vec<Option<u16>> = pickers.iter().map(Sipp::final_response).collect();
        let wins = finals.iter().filter(|f| **f == Some(200)).count();
        let refused = finals.iter().filter(|f| **f == Some(403)).count();
        let losers = pickers.len() - k;
        assert_eq!((wins, refused), (k, losers), "round {round}: {finals:?}");
        let new_statuses = pbx.wait_statuses(statuses + losers)[statuses..].to_vec();
        assert_eq!(new_statuses, vec!["NOCALL"; losers], "round {round}");
        let new_pickups = pbx.pickups()[picked..].to_vec();
        let callers_taken: BTreeSet<&str> = new_pickups.iter().map(|p| p.1.as_str()).collect();
        let pickers_connected: BTreeSet<&str> = new_pickups.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(
            (
                new_pickups.len(),
                callers_taken.len(),
                pickers_connected.len()
            ),
            (k, k, k),
            "round {round}: every caller to a different picker: {new_pickups:?}"
        );
        for callee in &callees {
            let reasons = callee.cancel_reasons();
            assert!(
                reasons.len() == 1 && reasons[0].contains("cause=200"),
                "round {round}: {}: {reasons:?}",
                callee.name
            );
        }
        assert_alive_and_clean(&pbx);

        tally.rounds += 1;
        tally.wins += wins;
        tally.nocall += new_statuses.len();
        tally.spreads_ms.extend(start_spread_ms(&pbx, starts));
    }
    eprintln!(
        "race (b) {k} calls, {} pickers: {} rounds, {} connected, {} NOCALL, {} picker(s) could not start; {}",
        2 * k,
        tally.rounds,
        tally.wins,
        tally.nocall,
        tally.not_started,
        tally.spread()
    );
}

#[derive(Default, Debug)]
struct AnswerTally {
    /// The picker got the call; alice was cancelled before she answered
    /// (or her answer crossed the CANCEL).
    picker_won: usize,
    crossed: usize,
    /// The picker got the call although alice had answered and been
    /// connected: Asterisk then hung her up ("completed elsewhere").
    taken_over: usize,
    /// Alice answered and kept the call; the picker got NOCALL.
    callee_won: usize,
    /// Rounds in which the picker's SIPp could not start.
    not_started: usize,
}

/// (c) The callee answers (testkit's uas.rs: 1.5 s after ringing) as a
/// picker dials, the picker's moment sweeping from `from_ms` to `to_ms`
/// around the answer over the rounds. At the end exactly one of them has
/// the caller.
fn callee_answers_sweep(pbx: &Pbx, rounds: usize, from_ms: i64, to_ms: i64) -> AnswerTally {
    let mut tally = AnswerTally::default();
    for round in 0..rounds {
        let _logs = RoundLogs::new(pbx, &format!("c{from_ms}"), round);
        let ((mut alice, mut caller), start) = ring_round(pbx, 1, || {
            let answer = Duration::from_millis(1500);
            let alice = AnsweringPhone::start("alice", pbx.phone("alice").port, answer, answer);
            (alice, pbx.call("caller1", "2001"))
        });
        let offset = from_ms + ((to_ms - from_ms) * round as i64) / (rounds.max(2) as i64 - 1);
        let at = Duration::from_millis((1500 + offset) as u64);
        sleep(at.saturating_sub(start.elapsed()));
        let (statuses, picked) = (pbx.statuses().len(), pbx.pickups().len());
        let mut picker = pbx.race("p0", "*101");
        let dialed = picker.finish_picker(&format!("round {round}: picker"));
        if let Err(e) = alice.wait(WAIT) {
            panic!("round {round}: {e} {}", logs_note());
        }
        finish(&mut caller, &format!("round {round}: caller"));
        if !dialed {
            tally.not_started += 1;
            assert_alive_and_clean(pbx);
            continue;
        }

        let new_pickups = pbx.pickups()[picked..].to_vec();
        let new_statuses = pbx.statuses()[statuses..].to_vec();
        let alice_cancelled = !alice.received("CANCEL").is_empty();
        let alice_answered = alice.answered();
        let alice_hung_up_by_pbx = alice.received("BYE");
        let context = || {
            format!(
                "round {round} (picker at {offset:+} ms): pickups {new_pickups:?}, statuses {new_statuses:?} {}\n\
                 --- alice:\n{}\n--- log:\n{}",
                logs_note(),
                alice.messages(),
                tail(&pbx.log(), 15)
            )
        };
        // Alice answered and keeps the caller to the end; the picker got
        // NOCALL.
        let callee_kept_the_call = || {
            assert_eq!(new_statuses, ["NOCALL"], "{}", context());
            assert!(
                alice_answered && !alice_cancelled && alice_hung_up_by_pbx.is_empty(),
                "picker refused, but alice did not keep the call: {}",
                context()
            );
        };
        match picker.final_response() {
            Some(200) if new_pickups.is_empty() => {
                // The picker was answered once it held the call, then found
                // the callee had answered first: NOCALL, and the PBX hangs
                // the picker up. Alice has the caller, to the end.
                callee_kept_the_call();
                tally.callee_won += 1;
            }
            Some(200) => {
                // The picker has the caller, to the end: it hangs up itself.
                assert_eq!(new_pickups.len(), 1, "{}", context());
                assert!(new_statuses.is_empty(), "{}", context());
                assert!(
                    picker.received("BYE").is_empty(),
                    "the picker lost the caller: {}",
                    context()
                );
                if alice_cancelled {
                    tally.picker_won += 1;
                    if alice_answered {
                        tally.crossed += 1;
                    }
                } else {
                    assert!(
                        alice_answered
                            && alice_hung_up_by_pbx.len() == 1
                            && alice_hung_up_by_pbx[0].contains("cause=200"),
                        "picker connected, alice neither cancelled nor hung up as answered elsewhere: {}",
                        context()
                    );
                    tally.taken_over += 1;
                }
            }
            Some(403) => {
                // Alice has the caller, to the end: she hangs up herself.
                assert!(new_pickups.is_empty(), "{}", context());
                callee_kept_the_call();
                tally.callee_won += 1;
            }
            other => panic!("picker got {other:?}: {}", context()),
        }
        assert_alive_and_clean(pbx);
    }
    tally
}

#[test]
fn callee_answers_as_a_picker_dials() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let pbx = office();
    let rounds = iterations();
    let tally = callee_answers_sweep(&pbx, rounds, -700, 300);
    eprintln!(
        "race (c) callee answers as a picker dials (-700..+300 ms): {rounds} rounds, \
         picker won {} (answer crossed the CANCEL {}), picker took over after the callee \
         answered {}, callee kept the call {}, picker could not start {}",
        tally.picker_won, tally.crossed, tally.taken_over, tally.callee_won, tally.not_started
    );
    assert_eq!(
        tally.picker_won + tally.taken_over + tally.callee_won + tally.not_started,
        rounds
    );
}

/// A callee who answers while a pickup is under way keeps the call.
/// ast_do_pickup() answers the picker's channel (up to 500 ms, waiting for
/// its first audio frame) before it moves the picker into the target's
/// place; a 200 from the callee's phone in that half second used to be
/// accepted by Dial and then undone. The module now answers the picker
/// first and re-checks the leg right before the pickup.
#[test]
fn callee_who_answers_during_a_pickup_keeps_the_call() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let pbx = office();
    let rounds = iterations().max(3);
    // The picker dials 450 to 100 ms before the callee answers.
    let tally = callee_answers_sweep(&pbx, rounds, -450, -100);
    eprintln!("callee answers during a pickup: {tally:?}");
    assert_eq!(tally.taken_over, 0, "{tally:?}");
}

/// (d) The caller hangs up while a pickup is under way: the hang-up is
/// requested from Asterisk (`channel request hangup` on the caller's
/// channel) from 0 to 900 ms after the picker dialed, sweeping from round
/// to round. Asterisk keeps running, the picker is refused or connected
/// and then hung up, and the index is empty afterwards.
#[test]
fn caller_hangs_up_during_a_pickup() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let pbx = office();
    let rounds = iterations();
    let (mut refused, mut connected_then_hung_up, mut connected) = (0, 0, 0);
    let mut answered_then_failed = 0;
    let mut not_started = 0;
    let mut statuses_seen: std::collections::BTreeMap<String, usize> = Default::default();
    for round in 0..rounds {
        let _logs = RoundLogs::new(&pbx, "d", round);
        let (mut alice, mut caller) = call_ringing_at_alice(&pbx, "uac_call_or_fail.xml");
        let caller_channel = pbx
            .channels()
            .into_iter()
            .find(|c| c.name.starts_with("PJSIP/caller1-"))
            .map(|c| c.name)
            .expect("the caller's channel");
        let statuses = pbx.statuses().len();
        let delay = Duration::from_millis((900 * round / rounds.max(2).saturating_sub(1)) as u64);
        let mut picker = pbx.race("p0", "*101");
        sleep(delay);
        pbx.cli(&format!("channel request hangup {caller_channel}"));
        let dialed = picker.finish_picker(&format!("round {round}: picker"));
        finish(&mut caller, &format!("round {round}: caller"));
        finish(&mut alice, &format!("round {round}: alice"));
        if !dialed {
            not_started += 1;
            assert_alive_and_clean(&pbx);
            continue;
        }

        let new_statuses = pbx.statuses()[statuses..].to_vec();
        match picker.final_response() {
            Some(403) => {
                assert_eq!(new_statuses.len(), 1, "round {round}");
                assert!(
                    ["NOCALL", "FAILED"].contains(&new_statuses[0].as_str()),
                    "round {round}: {new_statuses:?}"
                );
                refused += 1;
            }
            Some(200) => {
                // Answered once it held the call, then either connected
                // to the caller, or refused because the caller had gone
                // (NOCALL when the leg was gone at the re-check, FAILED when
                // it went during the pickup itself); either way Asterisk
                // hangs the picker up once the caller is gone, unless the
                // picker hung up first.
                assert!(
                    new_statuses.is_empty()
                        || new_statuses == ["FAILED"]
                        || new_statuses == ["NOCALL"],
                    "round {round}: {new_statuses:?}"
                );
                if picker.received("BYE").is_empty() {
                    connected += 1;
                } else if new_statuses.is_empty() {
                    connected_then_hung_up += 1;
                } else {
                    answered_then_failed += 1;
                }
            }
            other => panic!("round {round}: picker got {other:?}"),
        }
        for status in new_statuses {
            *statuses_seen.entry(status).or_default() += 1;
        }
        assert_alive_and_clean(&pbx);
    }
    eprintln!(
        "race (d) caller hangs up during a pickup: {rounds} rounds, picker refused {refused}, \
         answered, then refused and hung up {answered_then_failed}, \
         connected then hung up by Asterisk {connected_then_hung_up}, connected until it hung up \
         itself {connected}, picker could not start {not_started}; statuses {statuses_seen:?}"
    );
}

/// (e) The caller's own phone gives up (SIP CANCEL) as a picker dials. The
/// caller cancels about a second after its call rings; the picker starts
/// from 0.3 to 1.1 s after the call was seen ringing (a SIPp picker takes a
/// few hundred ms to dial). Either the CANCEL wins (the picker gets
/// NOCALL, or is answered once it holds the call and hung up when the leg
/// is gone), or the pickup wins (the caller gets 200, is connected to the
/// picker and hangs up). The callee's phone is cancelled either way,
/// Asterisk keeps running and nothing stays ringing.
#[test]
fn caller_cancels_during_a_pickup() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let pbx = office();
    let rounds = iterations();
    let (mut cancel_won, mut pickup_won, mut answered_then_gone) = (0, 0, 0);
    let mut not_started = 0;
    for round in 0..rounds {
        let _logs = RoundLogs::new(&pbx, "e", round);
        // The caller's phone (uac.rs: SIPp's CANCEL scenario aborted on an
        // assertion of its own when the answer crossed the CANCEL) cancels a
        // second after its first provisional response.
        let ((mut alice, caller), _) = ring_round(&pbx, 1, || {
            let port = pbx.sip_port;
            let alice = pbx.ringing_phone("alice", 1);
            let caller = std::thread::spawn(move || {
                uac::dial_and_cancel(port, "caller1", "2001", Duration::from_secs(1))
            });
            (alice, caller)
        });
        let delay = 300 + 800 * round / rounds.saturating_sub(1).max(1);
        sleep(Duration::from_millis(delay as u64));
        let mut picker = pbx.race("p0", "*101");
        let dialed = picker.finish_picker(&format!("round {round}: picker"));
        let caller = caller
            .join()
            .unwrap_or_else(|_| panic!("round {round}: the caller's phone failed {}", logs_note()));
        finish(&mut alice, &format!("round {round}: alice"));
        assert!(
            !alice.received("CANCEL").is_empty(),
            "round {round}: alice's phone was not cancelled {}",
            logs_note()
        );
        if !dialed {
            not_started += 1;
            assert_alive_and_clean(&pbx);
            continue;
        }
        match (caller.final_code, picker.final_response()) {
            (487, Some(403)) => cancel_won += 1,
            (487, Some(200)) => answered_then_gone += 1,
            (200, Some(200)) => pickup_won += 1,
            other => panic!(
                "round {round}: caller and picker got {other:?} {}\n--- caller:\n{}\n--- picker:\n{}",
                logs_note(),
                tail(&caller.trace, 40),
                tail(&picker.messages(), 40)
            ),
        }
        assert_alive_and_clean(&pbx);
    }
    eprintln!(
        "caller cancels: {rounds} rounds: CANCEL won {cancel_won} (picker refused), \
         {answered_then_gone} (picker answered, then hung up), pickup won {pickup_won}, \
         picker could not start {not_started}"
    );
}

/// (f) The picker's own phone gives up (SIP CANCEL) just as its pickup is
/// under way. Asterisk sends 100 Trying at once and the application answers
/// the picker about 1 ms later; the phone (uac, timed to the
/// microsecond) cancels 0 to 1.5 ms after the 100, sweeping from round to
/// round, so that the CANCEL lands before GroupPickup runs, while it runs,
/// or crosses its answer (the phone then hangs up at once). The call is
/// never lost: if the picker did not take it, it still rings and a second
/// picker gets it. Either way the caller is connected exactly once, the
/// callee's phone is told the call was answered elsewhere, and nothing
/// stays ringing.
#[test]
fn picker_cancels_during_a_pickup() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let pbx = office();
    let rounds = iterations();
    let mut outcomes: std::collections::BTreeMap<&str, usize> = Default::default();
    for round in 0..rounds {
        let _logs = RoundLogs::new(&pbx, "f", round);
        let (mut alice, mut caller) = call_ringing_at_alice(&pbx, "uac_call.xml");
        let (picked, p0_apps) = (pbx.pickups().len(), p0_group_pickups(&pbx));
        let after = Duration::from_micros((1500 * round / rounds.saturating_sub(1).max(1)) as u64);
        let p0 = uac::dial_and_cancel(pbx.sip_port, "p0", "8*101", after);
        // The outcome is settled once p0's channel is gone: the call is then
        // either still in the index or was picked up by p0.
        pbx.wait_for("p0's channel gone", WAIT, |p| {
            (!p.channels().iter().any(|c| c.name.starts_with("PJSIP/p0-"))).then_some(())
        });
        let p0_picked = !pbx
            .cli("grouppickup show ringing")
            .contains("1 call(s) ringing");
        let context = |what: &str| {
            format!(
                "round {round} (CANCEL {after:?} after the 100): {what}\n--- p0:\n{}\n--- log:\n{}",
                p0.trace,
                tail(&pbx.log(), 15)
            )
        };
        let app_ran = p0_group_pickups(&pbx) > p0_apps;
        let outcome = match (p0.sent_cancel, p0.final_code, app_ran, p0_picked) {
            (_, 200, _, true) => "answered and picked up",
            (true, 200, _, false) => "answer crossed the CANCEL, then hung up, not picked up",
            (false, 200, _, false) => "answered before cancelling, hung up, not picked up",
            (true, 487, true, false) => "cancelled while GroupPickup ran",
            (true, 487, false, false) => "cancelled before GroupPickup ran",
            _ => panic!("{}", context("unexpected outcome")),
        };
        *outcomes.entry(outcome).or_default() += 1;
        let winner = if p0_picked {
            pbx.wait_for("p0's pickup in the log", WAIT, |p| {
                (p.pickups().len() > picked).then_some(())
            });
            "p0"
        } else {
            // The call was not taken: it must still be there for the next
            // picker.
            // (A SIPp that could not bind its port never dialed: the next
            // endpoint tries.)
            let (name, second) = ["p1", "p2", "p3"]
                .into_iter()
                .find_map(|name| {
                    let mut p = pbx.race(name, "*101");
                    p.finish_picker(&format!("round {round}: second picker"))
                        .then_some((name, p))
                })
                .unwrap_or_else(|| panic!("round {round}: no second picker could start"));
            assert_eq!(
                second.final_response(),
                Some(200),
                "{}",
                context("the call was lost to the second picker")
            );
            name
        };
        finish(&mut caller, &format!("round {round}: caller"));
        finish(&mut alice, &format!("round {round}: alice"));
        let new_pickups = pbx.pickups()[picked..].to_vec();
        assert!(
            new_pickups.len() == 1
                && new_pickups[0].0.starts_with(&format!("PJSIP/{winner}-"))
                && new_pickups[0].1 == "caller1",
            "{}",
            context(&format!(
                "pickups {new_pickups:?}, expected one by {winner}"
            ))
        );
        let reasons = alice.cancel_reasons();
        assert!(
            reasons.len() == 1 && reasons[0].contains("cause=200"),
            "{}",
            context(&format!("alice's CANCELs {reasons:?}"))
        );
        assert_alive_and_clean(&pbx);
    }
    eprintln!("race (f) picker cancels during a pickup, {rounds} rounds: {outcomes:?}");
}

/// How many times GroupPickup started on p0's channel so far.
fn p0_group_pickups(pbx: &Pbx) -> usize {
    pbx.log().matches("] GroupPickup(\"PJSIP/p0-").count()
}
