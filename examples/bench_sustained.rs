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

use grouppickup_testkit::{free_port, measure, LongRun, Pbx, PbxSpec, Phone, Sipp, SippSpec};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, Instant};

const GROUPS: usize = 10;
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

    let member_port = free_port();
    let mut phones: Vec<Phone> = (1..=GROUPS)
        .map(|g| Phone {
            name: format!("m{g:02}"),
            port: member_port,
        })
        .collect();
    phones.push(Phone::new("caller"));
    phones.push(Phone::new("picker"));
    let mut conf = String::from(
        "[general]\ncontext = grouppickup\n\n[office]\ntype = range\nstart = *100\nend = *199\n\n",
    );
    for g in 1..=GROUPS {
        let _ = write!(
            conf,
            "[m{g:02}]\ntype = user\nendpoint = PJSIP/m{g:02}\ngroup = *1{g:02}\n\n"
        );
    }
    let pbx = Pbx::start(PbxSpec {
        phones: phones.clone(),
        grouppickup_conf: conf,
        // 20 + member (2 digits) + call number (6 digits).
        dialplan: "exten => _20XXXXXXXX,1,Set(CALLERID(all)=\"c${EXTEN:4}\" <${EXTEN:4}>)\n\
                   same => n,Set(__PICKUPMARK=${EXTEN:2:2})\n\
                   same => n,Dial(PJSIP/m${EXTEN:2:2},120)\n\
                   exten => _9*1XX,1,Pickup(${EXTEN:3}@PICKUPMARK)\n"
            .to_string(),
        // RTP bound to 127.0.0.1: bound to the wildcard address, every RTCP
        // session asks ast_find_ourip(), which resolves the host's name; on
        // a machine without a reachable DNS server that blocks PJSIP's
        // worker threads for seconds and, at tens of calls per second,
        // starves them all (Asterisk stops answering SIP).
        endpoint_options:
            "send_pai = yes\ntrust_id_inbound = yes\nsend_connected_line = yes\nconnected_line_method = update\nmedia_address = 127.0.0.1\nbind_rtp_to_media_address = yes\n"
                .to_string(),
        files: Vec::new(),
    });
    let pid = measure::asterisk_pid(&pbx);

    let work =
        std::env::temp_dir().join(format!("grouppickup-sipp-{}-sustained", std::process::id()));
    fs::create_dir_all(&work).unwrap();
    let mut callers_csv = String::from("SEQUENTIAL\n");
    let mut pickers_csv = String::from("SEQUENTIAL\n");
    for k in 0..calls {
        let g = k % GROUPS + 1;
        let _ = writeln!(callers_csv, "20{g:02}{k:06};");
        let dial = if native { "9*1" } else { "*1" };
        let _ = writeln!(pickers_csv, "{dial}{g:02};{k};");
    }
    fs::write(work.join("callers.csv"), callers_csv).unwrap();
    fs::write(work.join("pickers.csv"), pickers_csv).unwrap();
    let picks_log = work.join("picks.log");
    let answers_log = work.join("answers.log");

    println!("== Sustained load over SIP: {rate} calls/s and {rate} pickups/s for {seconds} s ({calls} calls)");
    let member = phones[0].clone();
    let _members = Sipp::start_long(
        SippSpec {
            scenario: "bench_ring.xml",
            phone: &member,
            remote: None,
            calls: calls as u32 + 1000,
            hold_ms: 0,
        },
        LongRun::default(),
    );
    let cpu0 = measure::cpu_ticks(pid);
    let started = Instant::now();
    // Callers and pickers: `calls` calls at `rate` a second, numbers from
    // an injection file, each call's outcome logged by the scenario.
    let stream = |scenario, phone, hold_ms, csv: &str, log: &Path| {
        Sipp::start_long(
            SippSpec {
                scenario,
                phone: pbx.phone(phone),
                remote: Some((pbx.sip_port, "bench")),
                calls: calls as u32,
                hold_ms,
            },
            LongRun {
                rate,
                limit: 5000,
                extra: vec![
                    "-aa".into(),
                    "-inf".into(),
                    work.join(csv).display().to_string(),
                    "-trace_logs".into(),
                    "-log_file".into(),
                    log.display().to_string(),
                ],
            },
        )
    };
    let mut callers = stream("bench_call.xml", "caller", 0, "callers.csv", &answers_log);
    sleep(Duration::from_secs_f64(LEAD_S));
    let mut pickers = stream("bench_pick.xml", "picker", 1000, "pickers.csv", &picks_log);
    let deadline = Instant::now() + Duration::from_secs_f64(seconds + 120.0);
    while pickers.running() && Instant::now() < deadline {
        sleep(Duration::from_secs(5));
        eprintln!(
            "[bench] {:>3.0} s: {}",
            started.elapsed().as_secs_f64(),
            pbx.try_cli("grouppickup show stats")
                .unwrap_or_default()
                .lines()
                .filter(|l| l.starts_with("Pickups") || l.starts_with("Ringing now"))
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let pickers_exit = if pickers.running() {
        eprintln!("[bench] the pickers did not finish in time; stopping them");
        None
    } else {
        pickers.exit_code()
    };
    // The callers end when their picker hangs up.
    let deadline = Instant::now() + Duration::from_secs(30);
    while callers.running() && Instant::now() < deadline {
        sleep(Duration::from_millis(200));
    }
    let callers_exit = if callers.running() {
        None
    } else {
        callers.exit_code()
    };
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_s = (measure::cpu_ticks(pid) - cpu0) as f64 * measure::TICK_MS / 1e3;

    let pick_stats = pickers.counts();
    let call_stats = callers.counts();

    // Asterisk's own account of each pickup, with its time.
    let log = pbx.log();
    let picked: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("picked up the call from"))
        .collect();
    let stamp = |l: &str| -> f64 {
        // [YYYY-MM-DD HH:MM:SS.mmm]
        let t = &l[12..24];
        let p: Vec<f64> = t.split(':').map(|v| v.parse().unwrap_or(0.0)).collect();
        p[0] * 3600.0 + p[1] * 60.0 + p[2]
    };
    let span = match (picked.first(), picked.last()) {
        (Some(a), Some(b)) if picked.len() > 1 => stamp(b) - stamp(a),
        _ => f64::NAN,
    };
    let per_minute = (picked.len().saturating_sub(1)) as f64 / span * 60.0;

    // Which picker answered each call, from the caller's own 200 OK; picker
    // p dialed the group of line p of pickers.csv.
    let picks = fs::read_to_string(&picks_log).unwrap_or_default();
    let refused = picks.lines().filter(|l| l.starts_with("REFUSED ")).count();
    let connected = picks.lines().filter(|l| l.starts_with("PICKED ")).count();
    let answers = fs::read_to_string(&answers_log).unwrap_or_default();
    let group_of = |n: usize| n % GROUPS + 1;
    let mut seen: HashSet<usize> = HashSet::new();
    let mut callers_seen: HashSet<usize> = HashSet::new();
    let (mut ok, mut twice, mut wrong) = (0, 0, 0);
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
            wrong += 1;
            continue;
        };
        if !seen.insert(p) || !callers_seen.insert(k) {
            twice += 1;
        } else if group_of(p) != group_of(k) {
            wrong += 1;
        } else {
            ok += 1;
        }
        *per_group.entry(group_of(k)).or_default() += 1;
    }
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
        callers_seen.len(),
        per_group.len()
    );
    for line in stats.lines() {
        println!("   | {line}");
    }
    if std::env::var_os("GP_KEEP").is_none() {
        let _ = fs::remove_dir_all(&work);
    }
}
