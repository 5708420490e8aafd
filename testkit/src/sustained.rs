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

use crate::pbx::{Pbx, Phone};
use crate::sipp::{LongRun, Sipp, SippSpec};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

pub const GROUPS: usize = 10;

/// The callers' extensions: 20 + member (2 digits) + call number (6
/// digits); the call number becomes the caller ID.
pub const CALLER_DIALPLAN: &str =
    "exten => _20XXXXXXXX,1,Set(CALLERID(all)=\"c${EXTEN:4}\" <${EXTEN:4}>)\n\
     same => n,Set(__PICKUPMARK=${EXTEN:2:2})\n\
     same => n,Dial(PJSIP/m${EXTEN:2:2},120)\n";

/// Every phone's endpoint: identities in and out (the check reads them),
/// and RTP bound to 127.0.0.1. Bound to the wildcard address, every RTCP
/// session asks ast_find_ourip(), which resolves the host's name; on a
/// machine without a reachable DNS server that blocks PJSIP's worker
/// threads for seconds and, at tens of calls per second, starves them all
/// (Asterisk stops answering SIP).
pub const ENDPOINT_OPTIONS: &str = "send_pai = yes\ntrust_id_inbound = yes\nsend_connected_line = yes\nconnected_line_method = update\nmedia_address = 127.0.0.1\nbind_rtp_to_media_address = yes\n";

/// The members' phones, all on one SIPp port.
pub fn members() -> Vec<Phone> {
    let port = crate::ports::free_port();
    (1..=GROUPS)
        .map(|g| Phone {
            name: format!("m{g:02}"),
            port,
        })
        .collect()
}

/// The range *100..*199 and the members' users, one per group.
pub fn grouppickup_conf() -> String {
    let mut conf = String::from(
        "[general]\ncontext = grouppickup\n\n[office]\ntype = range\nstart = *100\nend = *199\n\n",
    );
    for g in 1..=GROUPS {
        let _ = write!(
            conf,
            "[m{g:02}]\ntype = user\nendpoint = PJSIP/m{g:02}\ngroup = *1{g:02}\n\n"
        );
    }
    conf
}

/// The group (1..=10) of call or picker k.
pub fn group_of(k: usize) -> usize {
    k % GROUPS + 1
}

/// One run's files: the injection files of callers and pickers and the
/// logs their scenarios write.
pub struct Run {
    pub calls: usize,
    pub rate: f64,
    pub work: PathBuf,
}

impl Run {
    /// Writes the injection files; pickers dial `dial` + the group's two
    /// digits (`*1` for the group numbers).
    pub fn new(name: &str, calls: usize, rate: f64, dial: &str) -> Run {
        let work =
            std::env::temp_dir().join(format!("grouppickup-sipp-{}-{name}", std::process::id()));
        fs::create_dir_all(&work).unwrap();
        let mut callers_csv = String::from("SEQUENTIAL\n");
        let mut pickers_csv = String::from("SEQUENTIAL\n");
        for k in 0..calls {
            let g = group_of(k);
            let _ = writeln!(callers_csv, "20{g:02}{k:06};");
            let _ = writeln!(pickers_csv, "{dial}{g:02};{k};");
        }
        fs::write(work.join("callers.csv"), callers_csv).unwrap();
        fs::write(work.join("pickers.csv"), pickers_csv).unwrap();
        Run { calls, rate, work }
    }

    /// The members' phone, ringing until cancelled, for every call.
    pub fn members(&self, member: &Phone) -> Sipp {
        Sipp::start_long(
            SippSpec {
                scenario: "bench_ring.xml",
                phone: member,
                remote: None,
                calls: self.calls as u32 + 1000,
                hold_ms: 0,
            },
            LongRun::default(),
        )
    }

    /// The callers, dialing `pbx` from its phone `phone`.
    pub fn callers(&self, pbx: &Pbx, phone: &str) -> Sipp {
        self.stream(
            pbx,
            phone,
            "bench_call.xml",
            0,
            "callers.csv",
            "answers.log",
        )
    }

    /// The pickers, dialing `pbx` from its phone `phone`, each connected
    /// for `hold_ms`.
    pub fn pickers(&self, pbx: &Pbx, phone: &str, hold_ms: u32) -> Sipp {
        self.stream(
            pbx,
            phone,
            "bench_pick.xml",
            hold_ms,
            "pickers.csv",
            "picks.log",
        )
    }

    fn stream(
        &self,
        pbx: &Pbx,
        phone: &str,
        scenario: &str,
        hold_ms: u32,
        csv: &str,
        log: &str,
    ) -> Sipp {
        Sipp::start_long(
            SippSpec {
                scenario,
                phone: pbx.phone(phone),
                remote: Some((pbx.sip_port, "bench")),
                calls: self.calls as u32,
                hold_ms,
            },
            LongRun {
                rate: self.rate,
                limit: 5000,
                extra: vec![
                    "-aa".into(),
                    "-inf".into(),
                    self.work.join(csv).display().to_string(),
                    "-trace_logs".into(),
                    "-log_file".into(),
                    self.work.join(log).display().to_string(),
                ],
            },
        )
    }

    /// Waits for the pickers to finish (the run's length and two minutes
    /// more at most), with `progress` every 5 s, then for the callers, who
    /// end when their picker hangs up; their exit codes, `None` for one
    /// that had to be stopped.
    pub fn finish(
        &self,
        started: Instant,
        callers: &mut Sipp,
        pickers: &mut Sipp,
        progress: impl Fn() -> String,
    ) -> (Option<i32>, Option<i32>) {
        let seconds = self.calls as f64 / self.rate;
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

    /// What the callers' 200 OKs and the pickers' logs say.
    pub fn outcome(&self) -> Outcome {
        Outcome::read(&self.work.join("answers.log"), &self.work.join("picks.log"))
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if std::env::var_os("GP_KEEP").is_none() {
            let _ = fs::remove_dir_all(&self.work);
        }
    }
}

/// Which picker answered each call, from the caller's own 200 OK; picker p
/// dialed the group of line p of pickers.csv.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Answered by a picker of the call's own group, once.
    pub ok: usize,
    /// Answered by a picker of another group (or unreadable).
    pub wrong: usize,
    /// A picker that answered another call too, or a call answered twice.
    pub twice: usize,
    /// Pickers refused (nothing to pick up, or an error).
    pub refused: usize,
    /// Pickers connected.
    pub connected: usize,
    /// Distinct calls answered.
    pub distinct: usize,
    /// Groups with a call answered.
    pub groups: usize,
}

impl Outcome {
    fn read(answers_log: &Path, picks_log: &Path) -> Outcome {
        let picks = fs::read_to_string(picks_log).unwrap_or_default();
        let answers = fs::read_to_string(answers_log).unwrap_or_default();
        let mut o = Outcome {
            refused: picks.lines().filter(|l| l.starts_with("REFUSED ")).count(),
            connected: picks.lines().filter(|l| l.starts_with("PICKED ")).count(),
            ..Outcome::default()
        };
        let mut pickers: HashSet<usize> = HashSet::new();
        let mut callers: HashSet<usize> = HashSet::new();
        let mut per_group: HashMap<usize, usize> = HashMap::new();
        for line in answers.lines().filter(|l| l.starts_with("ANSWERED ")) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // 20 + member (2 digits) + call number (6 digits).
            let caller: Option<usize> = f
                .get(1)
                .and_then(|d| d.get(4..))
                .and_then(|k| k.parse().ok());
            let picker: Option<usize> = f.get(2).and_then(|p| p.parse().ok());
            let (Some(k), Some(p)) = (caller, picker) else {
                o.wrong += 1;
                continue;
            };
            if !pickers.insert(p) || !callers.insert(k) {
                o.twice += 1;
            } else if group_of(p) != group_of(k) {
                o.wrong += 1;
            } else {
                o.ok += 1;
            }
            *per_group.entry(group_of(k)).or_default() += 1;
        }
        o.distinct = callers.len();
        o.groups = per_group.len();
        o
    }

    /// Every call connected to a picker of its group, once, none refused.
    pub fn perfect(&self, calls: usize) -> bool {
        self.refused == 0 && self.wrong + self.twice == 0 && self.ok == calls
    }

    pub fn print(&self, calls: usize) {
        println!(
            "   callers' 200 OK: {} answered by a picker of their own group, {} by a wrong picker, {} by a picker that also answered another call; pickers connected: {}",
            self.ok, self.wrong, self.twice, self.connected
        );
        println!(
            "   pickers refused (nothing to pick up, or an error): {}",
            self.refused
        );
        println!(
            "   distinct calls picked: {} of {calls}; groups: {}",
            self.distinct, self.groups
        );
    }
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
