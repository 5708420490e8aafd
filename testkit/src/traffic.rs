//! Steady SIP traffic for the sustained benchmark and the soak: callers
//! ringing group members and pickers dialing the group numbers, both at a
//! steady rate, and the check of what the callers saw.
//!
//! Ten groups *101..*110 with one member each (m01..m10, one SIPp process
//! answering 180 for all of them). Call k goes to member k % 10 + 1 with
//! caller number k (set in the dialplan from the dialed number); picker k
//! dials that member's group number and names itself k (P-Asserted-Identity,
//! trusted by its endpoint), so each caller's own 200 OK says which picker
//! answered it (its connected line): the check that every pickup connected
//! the right call exactly once rests on what the callers saw, not on the
//! module's own account. A call nobody picks up is routed on after its ring
//! time: the dialplan answers it as ROUTED_ON.

use crate::pbx::{Pbx, PbxSpec, Phone};
use crate::ports::free_port;
use crate::sipp::{LongRun, Sipp, SippSpec};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

pub const GROUPS: usize = 10;

/// Every phone's endpoint: identities in and out (the check reads them),
/// and RTP bound to 127.0.0.1. Bound to the wildcard address, every RTCP
/// session asks ast_find_ourip(), which resolves the host's name; on a
/// machine without a reachable DNS server that blocks PJSIP's worker
/// threads for seconds and, at tens of calls per second, starves them all
/// (Asterisk stops answering SIP).
pub const ENDPOINT_OPTIONS: &str = "send_pai = yes\ntrust_id_inbound = yes\nsend_connected_line = yes\nconnected_line_method = update\nmedia_address = 127.0.0.1\nbind_rtp_to_media_address = yes\n";

/// The members' phones m01..m10, all on one SIPp port.
pub fn members() -> Vec<Phone> {
    let port = free_port();
    (1..=GROUPS)
        .map(|g| Phone {
            name: format!("m{g:02}"),
            port,
        })
        .collect()
}

/// The connected line a call routed on is answered with.
pub const ROUTED_ON: usize = 900_000;

/// Group (1..=10) of call or picker k.
pub fn group_of(k: usize) -> usize {
    k % GROUPS + 1
}

/// grouppickup.conf of the ten groups.
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

/// An Asterisk with the ten members, a caller and a picker endpoint. Calls
/// ring `ring_s` seconds, then are routed on. `7<number>` is a plain call
/// answered by the dialplan and hung up by the caller (a picker's traffic
/// without a pickup). `module` false: app_grouppickup.so is unloaded once
/// Asterisk has started.
pub fn office(ring_s: u32, module: bool) -> (Pbx, Phone) {
    let mut phones = members();
    phones.push(Phone::new("caller"));
    phones.push(Phone::new("picker"));
    let spec = PbxSpec {
        phones: phones.clone(),
        grouppickup_conf: grouppickup_conf(),
        // 20 + member (2 digits) + call number (6 digits).
        dialplan: format!(
            "exten => _20XXXXXXXX,1,Set(CALLERID(all)=\"c${{EXTEN:4}}\" <${{EXTEN:4}}>)\n\
             same => n,Set(__PICKUPMARK=${{EXTEN:2:2}})\n\
             same => n,Dial(PJSIP/m${{EXTEN:2:2}},{ring_s})\n\
             same => n,Set(CONNECTEDLINE(all,i)=\"routed\" <{ROUTED_ON}>)\n\
             same => n,Answer()\n\
             same => n,Wait(1)\n\
             same => n,Hangup()\n\
             exten => _9*1XX,1,Pickup(${{EXTEN:3}}@PICKUPMARK)\n\
             exten => _7*1XX,1,Answer()\n\
             same => n,Wait(30)\n"
        ),
        endpoint_options: ENDPOINT_OPTIONS.to_string(),
        files: Vec::new(),
    };
    let pbx = Pbx::start(spec);
    if !module {
        let out = pbx.cli("module unload app_grouppickup.so");
        assert!(out.contains("Unloaded"), "{out}");
    }
    (pbx, phones[0].clone())
}

/// The files of a run: the callers' and pickers' numbers, and what each
/// side logged.
pub struct Run {
    pub work: PathBuf,
    pub calls: usize,
    pub rate: f64,
}

impl Run {
    /// `calls` calls; `pickers` of them (the first ones) get a picker,
    /// dialing `dial` before the group number (`*1`: GroupPickup, `9*1`:
    /// native Pickup(), `7*1`: a plain call).
    pub fn new(name: &str, calls: usize, pickers: usize, rate: f64, dial: &str) -> Run {
        let work =
            std::env::temp_dir().join(format!("grouppickup-sipp-{}-{name}", std::process::id()));
        fs::create_dir_all(&work).unwrap();
        let mut callers_csv = String::from("SEQUENTIAL\n");
        let mut pickers_csv = String::from("SEQUENTIAL\n");
        for k in 0..calls {
            let g = group_of(k);
            let _ = writeln!(callers_csv, "20{g:02}{k:06};");
            if k < pickers {
                let _ = writeln!(pickers_csv, "{dial}{g:02};{k};");
            }
        }
        fs::write(work.join("callers.csv"), callers_csv).unwrap();
        fs::write(work.join("pickers.csv"), pickers_csv).unwrap();
        Run { work, calls, rate }
    }

    pub fn answers_log(&self) -> PathBuf {
        self.work.join("answers.log")
    }

    pub fn picks_log(&self) -> PathBuf {
        self.work.join("picks.log")
    }

    /// The member phone that rings for every call.
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

    /// The callers: every call at the run's rate, from `pbx`'s phone
    /// `caller`.
    pub fn callers(&self, pbx: &Pbx) -> Sipp {
        self.callers_from(pbx, "caller")
    }

    /// The callers, from `pbx`'s phone `phone`.
    pub fn callers_from(&self, pbx: &Pbx, phone: &str) -> Sipp {
        let log = self.answers_log();
        self.stream(
            pbx,
            "bench_call.xml",
            phone,
            self.calls,
            0,
            "callers.csv",
            log,
        )
    }

    /// The pickers: `n` of them at the run's rate, each connected for
    /// `hold_ms`, from `pbx`'s phone `picker`.
    pub fn pickers(&self, pbx: &Pbx, n: usize, hold_ms: u32) -> Sipp {
        self.pickers_from(pbx, "picker", n, hold_ms)
    }

    /// The pickers, from `pbx`'s phone `phone`.
    pub fn pickers_from(&self, pbx: &Pbx, phone: &str, n: usize, hold_ms: u32) -> Sipp {
        let log = self.picks_log();
        self.stream(pbx, "bench_pick.xml", phone, n, hold_ms, "pickers.csv", log)
    }

    #[allow(clippy::too_many_arguments)]
    fn stream(
        &self,
        pbx: &Pbx,
        scenario: &str,
        phone: &str,
        calls: usize,
        hold_ms: u32,
        csv: &str,
        log: PathBuf,
    ) -> Sipp {
        Sipp::start_long(
            SippSpec {
                scenario,
                phone: pbx.phone(phone),
                remote: Some((pbx.sip_port, "bench")),
                calls: calls as u32,
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
                    log.display().to_string(),
                ],
            },
        )
    }

    /// What the callers and pickers logged.
    pub fn answers(&self) -> Answers {
        let picks = fs::read_to_string(self.picks_log()).unwrap_or_default();
        let answers = fs::read_to_string(self.answers_log()).unwrap_or_default();
        Answers::read(&answers, &picks)
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if std::env::var_os("GP_KEEP").is_none() {
            let _ = fs::remove_dir_all(&self.work);
        }
    }
}

/// Who answered each call, from the callers' own 200 OKs.
#[derive(Debug, Default)]
pub struct Answers {
    /// Answered by a picker of the call's own group.
    pub ok: usize,
    /// Answered by a picker of another group, or unreadable.
    pub wrong: usize,
    /// A second answer of a call, or a picker that answered two calls.
    pub twice: usize,
    /// Routed on after ringing, never picked up.
    pub routed: usize,
    /// Distinct calls answered.
    pub calls_seen: HashSet<usize>,
    pub per_group: HashMap<usize, usize>,
    /// Pickers connected (their own log).
    pub connected: usize,
    /// Pickers refused: nothing to pick up, the number not there (module
    /// unloaded), or an error.
    pub refused: usize,
}

impl Answers {
    fn read(answers: &str, picks: &str) -> Answers {
        let mut a = Answers {
            refused: picks.lines().filter(|l| l.starts_with("REFUSED ")).count(),
            connected: picks.lines().filter(|l| l.starts_with("PICKED ")).count(),
            ..Answers::default()
        };
        let mut pickers_seen: HashSet<usize> = HashSet::new();
        for line in answers.lines().filter(|l| l.starts_with("ANSWERED ")) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // 20 + member (2 digits) + call number (6 digits).
            let call: Option<usize> = f
                .get(1)
                .and_then(|d| d.get(4..))
                .and_then(|k| k.parse().ok());
            let by: Option<usize> = f.get(2).and_then(|p| p.parse().ok());
            let (Some(k), Some(p)) = (call, by) else {
                a.wrong += 1;
                continue;
            };
            if !a.calls_seen.insert(k) || (p != ROUTED_ON && !pickers_seen.insert(p)) {
                a.twice += 1;
            } else if p == ROUTED_ON {
                a.routed += 1;
            } else if group_of(p) != group_of(k) {
                a.wrong += 1;
            } else {
                a.ok += 1;
            }
            *a.per_group.entry(group_of(k)).or_default() += 1;
        }
        a
    }
}

/// Pickups Asterisk logged, with their times (s since midnight).
pub fn pickup_times(log: &str) -> Vec<f64> {
    log.lines()
        .filter(|l| l.contains("picked up the call from"))
        .map(|l| {
            // [YYYY-MM-DD HH:MM:SS.mmm]
            let t = l.get(12..24).unwrap_or("");
            let p: Vec<f64> = t.split(':').map(|v| v.parse().unwrap_or(0.0)).collect();
            p.iter().fold(0.0, |acc, v| acc * 60.0 + v)
        })
        .collect()
}
