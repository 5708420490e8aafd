//! Pickup cost against system size, GroupPickup() beside Asterisk's own
//! Pickup(), in one Asterisk and one run. Run it with `scripts/bench` (or
//! `cargo run --release --example bench_pickup -- --help`).
//!
//! What runs: the project's Asterisk (grouppickup-testkit's Pbx) with app_grouppickup.so
//! and a generated configuration of 100,000 users in 10,000 groups; alice
//! (a SIPp phone that answers 180 and rings until cancelled) is a user of
//! group *10001 and her PJSIP endpoint also has `named_call_group = bench`, so
//! native Pickup() from a channel with `namedpickupgroup = bench` finds the
//! same calls. Background load: Local channels ringing, dialed by Dial()
//! (100 legs per Dial), in no pickup group. For each size, alternately one
//! pickup with GroupPickup and one with Pickup(), so both see the same
//! machine at the same moment.

use grouppickup_testkit::measure::{self, cpu_ticks, percentile, rss_kb, LogTail, TICK_MS};
use grouppickup_testkit::{bigconf, Ami, LongRun, Pbx, PbxSpec, Phone, Sipp, SippSpec};
use std::thread::sleep;
use std::time::{Duration, Instant};

const LEGS_PER_DIAL: usize = 100;
/// Rounds of bursts (each kind once per round) whose lookups are pooled.
const PROBE_ROUNDS: usize = 3;
/// Pickers of a burst start this far apart.
const BURST_GAP: Duration = Duration::from_millis(10);

const DIALPLAN: &str = r#"
[bg]
; Background load: one Dial() rings LEGS Local legs; each leg's other half
; indicates ringing and waits. None of them is in any pickup group.
;
; up@bg also is the other half of every Local channel the benchmark itself
; makes (callers, pickers, loops): it answers at once and waits until its
; own half hangs up. When a Local channel changes state, Asterisk works out
; the device state of Local/<exten>@<context> by walking every Local channel
; until it finds one of that name in use; with thousands of background legs
; that walk is milliseconds of CPU for every state change of a caller or a
; picker. The fan callers of up@bg are at the head of that list, so for
; up@bg the walk ends at once and the harness adds no load that grows with
; the background.
exten => up,1,Answer()
 same => n,Wait(86400)
exten => fan,1,Set(L=Local/ring@bg)
 same => n,While($[${FIELDQTY(L,&)} < ${LEGS}])
 same => n,Set(L=${L}&Local/ring@bg)
 same => n,EndWhile()
 same => n,Dial(${L})
exten => ring,1,Ringing()
 same => n,Wait(86400)

[bench]
; The caller whose call rings at alice (a Local/up@bg channel, answered by
; its other half, so only alice's leg is in state Ringing).
exten => call,1,Dial(PJSIP/alice,,U(bench-answered))
; Pickers are Local/up@bg channels too: Up before they pick, so that
; ast_answer() adds no wait to the measurement.
; One timed pickup. BT0 is taken right before the application.
exten => pick-ours,1,Set(GLOBAL(BT0)=${STRFTIME(,,%s.%6q)})
 same => n,GroupPickup(*10001)
 same => n,Log(NOTICE,BENCH fail ours ${GROUPPICKUP_STATUS})
exten => pick-native,1,Set(CHANNEL(namedpickupgroup)=bench)
 same => n,Set(GLOBAL(BT0)=${STRFTIME(,,%s.%6q)})
 same => n,Pickup()
 same => n,Log(NOTICE,BENCH fail native)
; Untimed pickups for the burst.
exten => burst-ours,1,GroupPickup(*10001)
 same => n,Log(NOTICE,BENCH fail ours ${GROUPPICKUP_STATUS})
exten => burst-native,1,Set(CHANNEL(namedpickupgroup)=bench)
 same => n,Pickup()
 same => n,Log(NOTICE,BENCH fail native)
; The same burst without pickups: pickers that pick nothing (the benchmark
; hangs up one caller with each instead, so its call stops ringing).
exten => burst-none,1,NoOp()
; Search only: an attempt in a group where nothing rings. Native Pickup()
; walks every channel whether it finds one or not; GroupPickup resolves the
; number and looks at the group's queue.
exten => search-ours,1,Set(I=0)
 same => n,While($[${I} < ${COUNT}])
 same => n,Set(T0=${STRFTIME(,,%s.%6q)})
 same => n,GroupPickup(*10002)
 same => n,Set(T1=${STRFTIME(,,%s.%6q)})
 same => n,Log(NOTICE,BENCH search ours ${T0} ${T1})
 same => n,Set(I=$[${I} + 1])
 same => n,EndWhile()
exten => search-native,1,Set(CHANNEL(namedpickupgroup)=nobody)
 same => n,Set(I=0)
 same => n,While($[${I} < ${COUNT}])
 same => n,Set(T0=${STRFTIME(,,%s.%6q)})
 same => n,Pickup()
 same => n,Set(T1=${STRFTIME(,,%s.%6q)})
 same => n,Log(NOTICE,BENCH search native ${T0} ${T1})
 same => n,Set(I=$[${I} + 1])
 same => n,EndWhile()
; The search alone, timed inside Asterisk (GROUPPICKUP_BENCH_FIND, built with
; the bench feature) around ast_pickup_find_by_group() for native and around
; GroupPickup's resolve, claim and channel lookup for ours; a call rings at
; alice, so both find it.
exten => find,1,Set(CHANNEL(namedpickupgroup)=bench)
 same => n,Log(NOTICE,BENCH find ${WHICH} ${GROUPPICKUP_BENCH_FIND(${WHICH},*10001,${COUNT})})
; The same steps with no application: what the dialplan itself adds.
exten => search-none,1,Set(I=0)
 same => n,While($[${I} < ${COUNT}])
 same => n,Set(T0=${STRFTIME(,,%s.%6q)})
 same => n,NoOp()
 same => n,Set(T1=${STRFTIME(,,%s.%6q)})
 same => n,Log(NOTICE,BENCH search none ${T0} ${T1})
 same => n,Set(I=$[${I} + 1])
 same => n,EndWhile()
; An unrelated channel operation: look a channel up by name (itself), every
; ~1.5 ms, until END (epoch seconds), timed inside Asterisk around
; ast_channel_get_by_name() (GROUPPICKUP_BENCH_LOOKUP: ns, and the thread's
; voluntary and involuntary context switches).
exten => probe,1,Set(ME=${CHANNEL(name)})
 same => n,While($[${STRFTIME(,,%s.%6q)} < ${END}])
 same => n,Set(T0=${STRFTIME(,,%s.%6q)})
 same => n,Set(NS=${GROUPPICKUP_BENCH_LOOKUP(${ME})})
 same => n,Log(NOTICE,BENCH probe ${TAG} ${T0} ${NS})
 same => n,Wait(0.0015)
 same => n,EndWhile()
 same => n,Log(NOTICE,BENCH probedone ${TAG})

[bench-answered]
; Runs on the picked-up leg (now the picker) when Dial() sees the answer:
; the end of the pickup as the caller's side sees it. Then hang up both.
exten => s,1,Log(NOTICE,BENCH e2e ${GLOBAL(BT0)} ${STRFTIME(,,%s.%6q)})
 same => n,Set(GOSUB_RESULT=ABORT)
 same => n,Return()
"#;

struct Options {
    channels: Vec<usize>,
    pickups: usize,
    searches: usize,
    burst: usize,
}

fn options() -> Options {
    let mut o = Options {
        channels: vec![0, 1_000, 5_000, 10_000],
        pickups: 40,
        searches: 200,
        burst: 60,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--channels" => {
                o.channels = value
                    .split(',')
                    .map(|v| v.trim().parse().expect("--channels 0,1000,..."))
                    .collect()
            }
            "--pickups" => o.pickups = value.parse().expect("--pickups N"),
            "--searches" => o.searches = value.parse().expect("--searches N"),
            "--burst" => o.burst = value.parse().expect("--burst N"),
            _ => {
                eprintln!(
                    "usage: bench_pickup [--channels 0,1000,5000,10000] [--pickups 40] [--searches 200] [--burst 60]"
                );
                std::process::exit(2);
            }
        }
        i += 2;
    }
    o
}

struct Bench {
    // Field order is drop order: alice's phone stops before Asterisk.
    _alice: Sipp,
    _pbx: Pbx,
    ami: Ami,
    log: LogTail,
    /// BENCH lines read but not yet asked for.
    pending: Vec<Vec<String>>,
    pid: u32,
}

#[derive(Default)]
struct Row {
    channels: usize,
    ringing_bg: usize,
    search: [Vec<f64>; 3],
    /// The search alone, µs per attempt (ours, native), and how many found
    /// the ringing call.
    find: [Vec<f64>; 2],
    find_found: [usize; 2],
    /// Asterisk CPU ms per search attempt (ours, native, dialplan only).
    search_cpu: [f64; 3],
    e2e: [Vec<f64>; 2],
    cpu_ms: [f64; 2],
    /// cpu_ms less the idle rate over the time each pickup took.
    net_cpu_ms: [f64; 2],
    idle_cpu_ms_per_s: f64,
    failures: [usize; 2],
    /// Lookups: during bursts of ours, native, and of the same calls and
    /// pickers without pickups; then with nothing happening.
    probe: [Vec<Lookup>; 4],
    burst_rate: [f64; 3],
}

/// One timed lookup by the probe, and whether its thread slept (waited for
/// a lock) or lost its core to another thread while it ran.
#[derive(Clone, Copy)]
struct Lookup {
    us: f64,
    slept: bool,
    preempted: bool,
}

impl Lookup {
    /// GROUPPICKUP_BENCH_LOOKUP's "<ns>:<voluntary>:<involuntary>".
    fn parse(value: &str) -> Option<Lookup> {
        let mut parts = value.split(':');
        let ns: f64 = parts.next()?.parse().ok()?;
        let voluntary: u64 = parts.next()?.parse().ok()?;
        let involuntary: u64 = parts.next()?.parse().ok()?;
        Some(Lookup {
            us: ns / 1e3,
            slept: voluntary > 0,
            preempted: involuntary > 0,
        })
    }
}

/// Latencies (µs) of the lookups that pass `keep`.
fn lookup_us(lookups: &[Lookup], keep: impl Fn(&Lookup) -> bool) -> Vec<f64> {
    lookups.iter().filter(|l| keep(l)).map(|l| l.us).collect()
}

const OURS: usize = 0;
const NATIVE: usize = 1;
const NAMES: [&str; 2] = ["ours", "native"];
/// A burst of the same calls and pickers, without pickups.
const CALLS: usize = 2;
const IDLE: usize = 3;

impl Bench {
    fn start() -> Bench {
        let ami_port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let conf = bigconf::generate(
            100_000,
            10_000,
            "[alice]\ntype = user\nendpoint = PJSIP/alice\ngroup = *10001\n",
        );
        let mut pbx = Pbx::start_with_module(
            PbxSpec {
                phones: vec![Phone::new("alice")],
                grouppickup_conf: conf,
                dialplan: DIALPLAN.to_string(),
                endpoint_options: "named_call_group = bench\n".to_string(),
                files: vec![(
                    "manager.conf".to_string(),
                    format!(
                        "[general]\nenabled = yes\nport = {ami_port}\nbindaddr = 127.0.0.1\n\n\
                     [bench]\nsecret = bench\nread = all\nwrite = all\n"
                    ),
                )],
            },
            &bench_module_path(),
        );
        // Every channel holds file descriptors: an alert pipe and, with a
        // timing module loaded, a timer. Ten thousand channels need more than
        // a limit of 20,000 allows, and a process without CAP_SYS_RESOURCE
        // cannot raise its hard limit (Asterisk's maxfiles then fails
        // quietly). Nothing measured here uses timers, so the timing modules
        // stay unloaded: one descriptor per channel.
        let etc = measure::host_path(&pbx, "etc/asterisk.conf");
        let conf = std::fs::read_to_string(&etc).unwrap();
        std::fs::write(
            &etc,
            conf.replace("[options]\n", "[options]\nmaxfiles = 200000\n"),
        )
        .unwrap();
        let modules = measure::host_path(&pbx, "etc/modules.conf");
        let mut conf = std::fs::read_to_string(&modules).unwrap();
        conf.push_str(
            "noload = res_timing_timerfd.so\nnoload = res_timing_pthread.so\nnoload = res_timing_dahdi.so\n",
        );
        std::fs::write(&modules, conf).unwrap();
        // Log notices and up only: the dialplan's verbose trace would
        // otherwise be written for every priority of every measurement.
        let logger = measure::host_path(&pbx, "etc/logger.conf");
        std::fs::write(
            &logger,
            "[general]\ndateformat = %F %T.%3q\n[logfiles]\nmessages.log => notice,warning,error\n",
        )
        .unwrap();
        pbx.restart();
        let pid = measure::asterisk_pid(&pbx);
        let ami = Ami::connect(ami_port, "bench", "bench", false, Duration::from_secs(120))
            .expect("AMI login");
        let log = LogTail::new(measure::host_path(&pbx, "log/messages.log"));
        let alice = Sipp::start_long(
            SippSpec {
                scenario: "bench_ring.xml",
                phone: pbx.phone("alice"),
                remote: None,
                calls: 1_000_000,
                hold_ms: 0,
            },
            LongRun::default(),
        );
        Bench {
            _alice: alice,
            _pbx: pbx,
            ami,
            log,
            pending: Vec::new(),
            pid,
        }
    }

    fn channel_count(&mut self) -> usize {
        let out = self.ami.command("core show channels count").unwrap();
        out.lines()
            .find(|l| l.contains("active channel"))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    /// Adds background Dial()s of LEGS_PER_DIAL ringing legs until about
    /// `target` channels exist (each leg is two channels, each Dial two
    /// more), then waits for the system to settle.
    fn grow_background(&mut self, target: usize, ringing: &mut usize) {
        let var = format!("LEGS={LEGS_PER_DIAL}");
        let per_fan = 2 * LEGS_PER_DIAL + 2;
        let mut have = self.channel_count();
        while have + per_fan / 2 < target {
            self.ami
                .originate_exten("Local/up@bg", "bg", "fan", &[&var])
                .expect("originating background load");
            *ringing += LEGS_PER_DIAL;
            have += per_fan;
            // Let Asterisk keep up; thousands of threads start here.
            sleep(Duration::from_millis(30));
        }
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let count = self.channel_count();
            if count + per_fan / 2 >= target.min(have) || Instant::now() > deadline {
                break;
            }
            sleep(Duration::from_millis(500));
        }
        // Settle: wait until Asterisk is nearly idle again.
        for _ in 0..60 {
            let t0 = cpu_ticks(self.pid);
            sleep(Duration::from_millis(1000));
            if cpu_ticks(self.pid) - t0 <= 5 {
                break;
            }
        }
    }

    /// Waits for `n` lines `BENCH <kind> ...` (a `BENCH fail` line counts
    /// too); returns their fields. Other lines stay for later.
    fn wait_lines(&mut self, kind: &str, n: usize, timeout: Duration) -> Vec<Vec<String>> {
        let deadline = Instant::now() + timeout;
        let mut found = Vec::new();
        loop {
            for line in self.log.new_lines() {
                if let Some(rest) = line.split("BENCH ").nth(1) {
                    self.pending
                        .push(rest.split_whitespace().map(str::to_string).collect());
                }
            }
            let (mut take, keep): (Vec<_>, Vec<_>) =
                std::mem::take(&mut self.pending).into_iter().partition(|f| {
                    matches!(f.first().map(String::as_str), Some(k) if k == kind || k == "fail")
                });
            self.pending = keep;
            found.append(&mut take);
            if found.len() >= n {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {n} BENCH {kind} line(s), got {}",
                found.len()
            );
            sleep(Duration::from_millis(2));
        }
    }

    /// Rings `n` calls at alice and waits until all ring, in our index and in
    /// alice's device state.
    fn ring_alice(&mut self, n: usize) {
        for _ in 0..n {
            self.ami
                .originate_exten("Local/up@bg", "bench", "call", &[])
                .unwrap();
            if n > 1 {
                // A flood of INVITEs at once makes the phone's answers get
                // lost on loopback; a few ms apart they do not.
                sleep(Duration::from_millis(5));
            }
        }
        let want = format!("{n} call(s) ringing");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ours = self.ami.command("grouppickup show ringing").unwrap();
            let state = self.ami.getvar("DEVICE_STATE(PJSIP/alice)").unwrap();
            if ours.contains(&want) && state == "RINGING" {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "alice's {n} call(s) did not ring: {ours} / {state}"
            );
            sleep(Duration::from_millis(20));
        }
    }

    /// Hangs up every call to alice (after a failed pickup, and after the
    /// searches).
    fn hangup_alice(&mut self) {
        let out = self.ami.command("core show channels concise").unwrap();
        // Hanging up the callers (Local/up@bg-...;1 in bench/call) ends
        // their Dial() and cancels alice's legs.
        for line in out.lines().filter(|l| l.contains("!bench!call!")) {
            let name = line.split('!').next().unwrap_or("");
            let _ = self.ami.command(&format!("channel request hangup {name}"));
        }
    }

    /// Waits until nothing rings at alice any more (the last call ended).
    fn alice_idle(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ours = self.ami.command("grouppickup show ringing").unwrap();
            let state = self.ami.getvar("DEVICE_STATE(PJSIP/alice)").unwrap();
            if ours.contains("0 call(s) ringing") && state == "NOT_INUSE" {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "alice stays busy: {ours} / {state}"
            );
            sleep(Duration::from_millis(10));
        }
    }

    /// One timed pickup; returns ms from the application's start to Dial()
    /// seeing the answer, or None when the pickup failed.
    fn timed_pickup(&mut self, which: usize) -> Option<f64> {
        self.ring_alice(1);
        // Our index and the device state are updated from the same channel
        // snapshot by different subscribers; give both a moment.
        sleep(Duration::from_millis(20));
        let exten = ["pick-ours", "pick-native"][which];
        self.ami
            .originate_exten("Local/up@bg", "bench", exten, &[])
            .unwrap();
        let lines = self.wait_lines("e2e", 1, Duration::from_secs(30));
        let fields = &lines[0];
        let result = if fields[0] == "e2e" {
            let t0: f64 = fields[1].parse().unwrap_or(f64::NAN);
            let t1: f64 = fields[2].parse().unwrap_or(f64::NAN);
            Some((t1 - t0) * 1e3)
        } else {
            // Hang the unpicked call up before the next one.
            self.hangup_alice();
            None
        };
        self.alice_idle();
        result
    }

    /// `count` searches alone of one implementation, timed inside Asterisk:
    /// µs each, and how many found the call ringing at alice.
    fn finds(&mut self, which: usize, count: usize) -> (Vec<f64>, usize) {
        self.ami
            .originate_exten(
                "Local/up@bg",
                "bench",
                "find",
                &[
                    &format!("WHICH={}", NAMES[which]),
                    &format!("COUNT={count}"),
                ],
            )
            .unwrap();
        let line = self
            .wait_lines("find", 1, Duration::from_secs(60))
            .remove(0);
        assert_eq!(line[0], "find", "the search failed: {line:?}");
        let found = line
            .last()
            .and_then(|f| f.strip_prefix("found="))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let times = line[2..line.len() - 1]
            .iter()
            .filter_map(|ns| ns.parse::<f64>().ok())
            .map(|ns| ns / 1e3)
            .collect();
        (times, found)
    }

    fn searches(&mut self, impl_name: &str, count: usize) -> Vec<f64> {
        self.ami
            .originate_exten(
                "Local/up@bg",
                "bench",
                &format!("search-{impl_name}"),
                &[&format!("COUNT={count}")],
            )
            .unwrap();
        let lines = self.wait_lines("search", count, Duration::from_secs(300));
        lines
            .iter()
            .filter(|f| f[0] == "search")
            .map(|f| {
                let t0: f64 = f[2].parse().unwrap_or(f64::NAN);
                let t1: f64 = f[3].parse().unwrap_or(f64::NAN);
                (t1 - t0) * 1e3
            })
            .collect()
    }

    /// The lookups of a channel looking itself up by name every ~1.5 ms,
    /// while `n` pickups of kind `which` start BURST_GAP apart; with `which`
    /// CALLS, while the same calls ring and the same pickers start but each
    /// picks nothing and one caller hangs up instead; with `which` None, for
    /// as long with nothing else happening. Only the lookups that
    /// start inside that window count. Returns them and the pickers per
    /// second the burst achieved.
    fn probe(&mut self, tag: &str, which: Option<usize>, n: usize) -> (Vec<Lookup>, f64) {
        let mut calls = Vec::new();
        if which.is_some() {
            self.ring_alice(n);
            sleep(Duration::from_millis(50));
            let out = self.ami.command("core show channels concise").unwrap();
            // The callers' channels: Local/up@bg-...;1 running bench/call.
            calls = out
                .lines()
                .filter(|l| l.contains("!bench!call!"))
                .filter_map(|l| l.split('!').next())
                .map(str::to_string)
                .collect();
            assert_eq!(calls.len(), n, "the callers: {out}");
        }
        let window = BURST_GAP.as_secs_f64() * n as f64;
        let end = epoch() + window + 2.0;
        self.ami
            .originate_exten(
                "Local/up@bg",
                "bench",
                "probe",
                &[&format!("TAG={tag}"), &format!("END={end:.6}")],
            )
            .unwrap();
        let _ = self.wait_lines("probe", 1, Duration::from_secs(10));
        let from = epoch();
        let started = Instant::now();
        let mut rate = 0.0;
        if let Some(which) = which {
            let exten = ["burst-ours", "burst-native", "burst-none"][which];
            for (i, call) in calls.iter().enumerate() {
                // Paced, so that the burst is pickups, not a CPU overload.
                let due = started + BURST_GAP * i as u32;
                sleep(due.saturating_duration_since(Instant::now()));
                self.ami
                    .originate_exten("Local/up@bg", "bench", exten, &[])
                    .unwrap();
                if which == CALLS {
                    let _ = self.ami.action("Hangup", &[("Channel", call)]);
                }
            }
            if which != CALLS {
                let _ = self.wait_lines("e2e", n, Duration::from_secs(60));
            }
            rate = n as f64 / started.elapsed().as_secs_f64();
        } else {
            sleep(Duration::from_secs_f64(window + 0.05));
        }
        let to = epoch();
        let _ = self.wait_lines("probedone", 1, Duration::from_secs(60));
        let probes: Vec<Lookup> = std::mem::take(&mut self.pending)
            .into_iter()
            .filter(|f| f.len() == 4 && f[0] == "probe" && f[1] == tag)
            .filter_map(|f| {
                let t0: f64 = f[2].parse().ok()?;
                let lookup = Lookup::parse(&f[3])?;
                (t0 >= from && t0 <= to).then_some(lookup)
            })
            .collect();
        self.alice_idle();
        (probes, rate)
    }

    fn measure(&mut self, row: &mut Row, o: &Options) {
        // Idle CPU of this Asterisk at this size, to read the per-pickup
        // figures against.
        let t0 = cpu_ticks(self.pid);
        let started = Instant::now();
        sleep(Duration::from_secs(3));
        row.idle_cpu_ms_per_s =
            (cpu_ticks(self.pid) - t0) as f64 * TICK_MS / started.elapsed().as_secs_f64();

        // Search only, in blocks, alternating.
        let mut search_ticks = [0u64; 3];
        for block in 0..4 {
            let per = o.searches / 4;
            let order = if block % 2 == 0 {
                ["ours", "native", "none"]
            } else {
                ["native", "ours", "none"]
            };
            for name in order {
                let slot = match name {
                    "ours" => 0,
                    "native" => 1,
                    _ => 2,
                };
                let t0 = cpu_ticks(self.pid);
                let mut s = self.searches(name, per);
                search_ticks[slot] += cpu_ticks(self.pid) - t0;
                row.search[slot].append(&mut s);
            }
        }

        for (slot, ticks) in search_ticks.iter().enumerate() {
            row.search_cpu[slot] = *ticks as f64 * TICK_MS / row.search[slot].len().max(1) as f64;
        }

        // The search alone, with one call ringing at alice, alternating.
        self.ring_alice(1);
        sleep(Duration::from_millis(20));
        for block in 0..4 {
            for which in [block % 2, 1 - block % 2] {
                let (mut times, found) = self.finds(which, o.searches / 4);
                row.find[which].append(&mut times);
                row.find_found[which] += found;
            }
        }
        self.hangup_alice();
        self.alice_idle();

        // End to end, alternating one of each; CPU ticks summed per kind.
        let mut ticks = [0u64; 2];
        let mut wall = [0.0f64; 2];
        for i in 0..o.pickups * 2 {
            let which = if i % 4 < 2 { i % 2 } else { 1 - i % 2 };
            let started = Instant::now();
            let t0 = cpu_ticks(self.pid);
            match self.timed_pickup(which) {
                Some(ms) => row.e2e[which].push(ms),
                None => row.failures[which] += 1,
            }
            ticks[which] += cpu_ticks(self.pid) - t0;
            wall[which] += started.elapsed().as_secs_f64();
        }
        for which in [OURS, NATIVE] {
            row.cpu_ms[which] = ticks[which] as f64 * TICK_MS / o.pickups as f64;
            row.net_cpu_ms[which] = (ticks[which] as f64 * TICK_MS
                - row.idle_cpu_ms_per_s * wall[which])
                / o.pickups as f64;
        }

        // Stall of an unrelated lookup: alone, and during a burst of each
        // kind; a few rounds, pooled, since a p99 of microseconds is easily
        // moved by one preemption.
        for round in 0..PROBE_ROUNDS {
            let (mut p, _) = self.probe("idle", None, o.burst);
            row.probe[IDLE].append(&mut p);
            let mut order = [(OURS, "ours"), (CALLS, "calls"), (NATIVE, "native")];
            order.rotate_left(round % 3);
            for (which, tag) in order {
                let (mut p, rate) = self.probe(tag, Some(which), o.burst);
                row.probe[which].append(&mut p);
                row.burst_rate[which] += rate / PROBE_ROUNDS as f64;
            }
        }
    }
}

fn main() {
    let o = options();
    let started = Instant::now();
    let mut bench = Bench::start();
    let version = bench.ami.command("core show version").unwrap();
    println!("== Pickup against system size: GroupPickup() beside native Pickup()");
    println!("   {}", version.trim());
    println!(
        "   module: 100,000 users, 10,000 groups; targets: SIP calls ringing at alice (SIPp);"
    );
    println!(
        "   background: Local channels ringing, dialed by Dial() {LEGS_PER_DIAL} at a time, in no group"
    );
    println!(
        "   Asterisk's open-files limit: {} (timing modules not loaded: one descriptor per channel)",
        measure::fd_limit(bench.pid)
    );
    let mut rows = Vec::new();
    let mut ringing_bg = 0;
    for &target in &o.channels {
        if target > 0 {
            eprintln!("[bench] growing background load to {target} channels");
            bench.grow_background(target, &mut ringing_bg);
        }
        let channels = bench.channel_count();
        eprintln!(
            "[bench] {channels} channels, {} file descriptors open: measuring",
            measure::open_fds(bench.pid)
        );
        let mut row = Row {
            channels,
            ringing_bg,
            ..Row::default()
        };
        bench.measure(&mut row, &o);
        // Every call the measurement made should be gone again.
        let left = bench.ami.command("core show channels concise").unwrap();
        let stray = left.lines().filter(|l| l.contains("!bench!")).count();
        if stray > 0 {
            eprintln!("[bench] {stray} channel(s) of the measurement still up");
        }
        print_row(&row);
        rows.push(row);
    }
    println!();
    print_tables(&rows);
    println!(
        "\n   asterisk RSS at the end: {} MB; run took {:.0} s",
        rss_kb(bench.pid) / 1024,
        started.elapsed().as_secs_f64()
    );
    // Hang everything up before Asterisk stops, so it stops quickly.
    let _ = bench.ami.command("channel request hangup all");
    drop(bench);
}

/// Seconds since the epoch, as Asterisk's STRFTIME(,,%s.%6q) prints them.
fn epoch() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// The module built with the `bench` feature (scripts/bench builds it).
fn bench_module_path() -> std::path::PathBuf {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench/release/libapp_grouppickup.so");
    assert!(
        path.is_file(),
        "{} is missing: run scripts/bench, or cargo build --release --features bench --target-dir target/bench",
        path.display()
    );
    path
}

fn med(v: &[f64]) -> f64 {
    percentile(v, 50.0)
}

fn print_row(r: &Row) {
    eprintln!(
        "[bench] {} channels: search alone ours {:.2} us native {:.1} us; search ours {:.3} native {:.3} none {:.3}; e2e ours {:.2} native {:.2}",
        r.channels,
        med(&r.find[0]),
        med(&r.find[1]),
        med(&r.search[0]),
        med(&r.search[1]),
        med(&r.search[2]),
        med(&r.e2e[0]),
        med(&r.e2e[1])
    );
}

fn print_tables(rows: &[Row]) {
    println!("Target search alone (us; timed inside Asterisk around the search, a call ringing in the group)");
    println!(
        "{:>9} {:>7} | {:>8} {:>8} {:>9} | {:>8} {:>8} {:>9} | {:>7}",
        "channels", "ringing", "ours p50", "p95", "found", "nat. p50", "p95", "found", "ratio"
    );
    for r in rows {
        let (o, n) = (med(&r.find[0]), med(&r.find[1]));
        println!(
            "{:>9} {:>7} | {:>8.2} {:>8.2} {:>9} | {:>8.1} {:>8.1} {:>9} | {:>6.0}x",
            r.channels,
            r.ringing_bg,
            o,
            percentile(&r.find[0], 95.0),
            format!("{}/{}", r.find_found[0], r.find[0].len()),
            n,
            percentile(&r.find[1], 95.0),
            format!("{}/{}", r.find_found[1], r.find[1].len()),
            n / o
        );
    }
    println!(
        "   ours: resolve the number, claim the oldest call, look its leg up by name (the claim"
    );
    println!(
        "   is then given back); native: ast_pickup_find_by_group(), Pickup()'s search, which"
    );
    println!("   walks every channel. ratio: native p50 / ours p50.");
    println!();
    println!(
        "Failed attempt through the dialplan (ms; a group where nothing rings, timed in the dialplan)"
    );
    println!(
        "{:>9} {:>7} | {:>8} {:>8} {:>6} | {:>8} {:>8} {:>6} | {:>7} | {:>8} {:>6} | {:>7}",
        "channels",
        "ringing",
        "ours p50",
        "p95",
        "cpu",
        "nat. p50",
        "p95",
        "cpu",
        "ratio",
        "dialplan",
        "cpu",
        "net"
    );
    for r in rows {
        let (o, n, d) = (med(&r.search[0]), med(&r.search[1]), med(&r.search[2]));
        println!(
            "{:>9} {:>7} | {:>8.3} {:>8.3} {:>6.3} | {:>8.3} {:>8.3} {:>6.3} | {:>6.1}x | {:>8.3} {:>6.3} | {:>6.0}x",
            r.channels,
            r.ringing_bg,
            o,
            percentile(&r.search[0], 95.0),
            r.search_cpu[0],
            n,
            percentile(&r.search[1], 95.0),
            r.search_cpu[1],
            n / o,
            d,
            r.search_cpu[2],
            (n - d) / (o - d).max(0.001)
        );
    }
    println!("   cpu: Asterisk CPU ms per attempt over the series; ratio: native p50 / ours p50;");
    println!("   dialplan: the same steps with NoOp() instead of the application, i.e. what the");
    println!("   timing itself adds; net: (native - dialplan) / (ours - dialplan), ours floored at 1 us.");
    println!();
    println!("End-to-end pickup (ms; from the application's start to Dial() seeing the answer)");
    println!(
        "{:>9} | {:>8} {:>8} {:>11} {:>4} | {:>8} {:>8} {:>11} {:>4} | {:>6} | {:>9}",
        "channels",
        "ours p50",
        "p95",
        "cpu ms(net)",
        "fail",
        "nat. p50",
        "p95",
        "cpu ms(net)",
        "fail",
        "ratio",
        "idle cpu"
    );
    for r in rows {
        let (o, n) = (med(&r.e2e[0]), med(&r.e2e[1]));
        println!(
            "{:>9} | {:>8.2} {:>8.2} {:>5.1} ({:>3.1}) {:>4} | {:>8.2} {:>8.2} {:>5.1} ({:>3.1}) {:>4} | {:>5.1}x | {:>5.1} ms/s",
            r.channels,
            o,
            percentile(&r.e2e[0], 95.0),
            r.cpu_ms[0],
            r.net_cpu_ms[0],
            r.failures[0],
            n,
            percentile(&r.e2e[1], 95.0),
            r.cpu_ms[1],
            r.net_cpu_ms[1],
            r.failures[1],
            n / o,
            r.idle_cpu_ms_per_s
        );
    }
    println!(
        "   cpu ms: Asterisk's utime+stime per pickup, including ringing the call (SIP to alice)"
    );
    println!(
        "   and tearing it down; (net): less Asterisk's idle use over the time each pickup took;"
    );
    println!("   idle cpu: Asterisk's own use at that size with nothing happening.");
    println!();
    println!("Unrelated channel lookup by name during a burst of pickups, beside no pickups");
    println!("(us; ast_channel_get_by_name() timed inside Asterisk)");
    println!(
        "{:>9} | {:>6} {:>6} | {:>6} {:>6} {:>6} | {:>6} {:>6} {:>6} {:>11} {:>11} | {:>6} {:>6} {:>6}",
        "channels",
        "idle99",
        "max",
        "calls99",
        "max",
        "/s",
        "ours99",
        "max",
        "/s",
        "vs idle",
        "vs calls",
        "nat.99",
        "max",
        "/s"
    );
    for r in rows {
        let fig = |i: usize| {
            let us = lookup_us(&r.probe[i], |_| true);
            (percentile(&us, 99.0), percentile(&us, 100.0))
        };
        let (idle, calls, ours, native) = (fig(IDLE), fig(CALLS), fig(OURS), fig(NATIVE));
        let ratio = |a: (f64, f64), b: (f64, f64)| format!("{:.1}/{:.1}", a.0 / b.0, a.1 / b.1);
        println!(
            "{:>9} | {:>6.1} {:>6.1} | {:>6.1} {:>6.1} {:>6.0} | {:>6.1} {:>6.1} {:>6.0} {:>11} {:>11} | {:>6.1} {:>6.1} {:>6.0}",
            r.channels,
            idle.0,
            idle.1,
            calls.0,
            calls.1,
            r.burst_rate[CALLS],
            ours.0,
            ours.1,
            r.burst_rate[OURS],
            ratio(ours, idle),
            ratio(ours, calls),
            native.0,
            native.1,
            r.burst_rate[NATIVE]
        );
    }
    println!("   idle: nothing happening; calls: the same calls ring and are hung up at the same");
    println!(
        "   rate, the same pickers start, but nobody picks up; ours, nat.: a burst of pickups."
    );
    println!(
        "   99: p99; /s: pickers started per second; vs idle, vs calls: ours' p99/max divided"
    );
    println!("   by the same figures of idle and of calls.");
    println!();
    lookup_breakdown(rows);
}

/// The same lookups, split by what their thread went through: a lookup that
/// slept waited for a lock someone else held (a stall the pickups caused);
/// one that was preempted waited for a core, which on two cores busy with a
/// burst says nothing about locks.
fn lookup_breakdown(rows: &[Row]) {
    println!("The same lookups by what their thread went through (us)");
    println!(
        "{:>9} {:>7} | {:>7} | {:>5} {:>7} | {:>9} {:>7} | {:>12} {:>6} {:>6} {:>9}",
        "channels",
        "during",
        "lookups",
        "slept",
        "max",
        "preempted",
        "max",
        "ran through:",
        "p99",
        "max",
        "vs idle"
    );
    for r in rows {
        let through = |i: usize| {
            let us = lookup_us(&r.probe[i], |l| !l.slept && !l.preempted);
            (percentile(&us, 99.0), percentile(&us, 100.0))
        };
        let idle = through(IDLE);
        for (i, name) in [
            (IDLE, "idle"),
            (CALLS, "calls"),
            (OURS, "ours"),
            (NATIVE, "native"),
        ] {
            let lookups = &r.probe[i];
            let slept = lookup_us(lookups, |l| l.slept);
            let preempted = lookup_us(lookups, |l| l.preempted && !l.slept);
            let (p99, max) = through(i);
            println!(
                "{:>9} {:>7} | {:>7} | {:>5} {:>7.1} | {:>9} {:>7.1} | {:>12} {:>6.1} {:>6.1} {:>9}",
                r.channels,
                name,
                lookups.len(),
                slept.len(),
                percentile(&slept, 100.0),
                preempted.len(),
                percentile(&preempted, 100.0),
                "",
                p99,
                max,
                format!("{:.1}/{:.1}", p99 / idle.0, max / idle.1)
            );
        }
    }
    println!("   slept: lookups in which the thread slept (a voluntary context switch: it waited");
    println!("   for a lock), how many and the longest; preempted: lookups in which the scheduler");
    println!("   gave its core to another thread (an involuntary switch, no sleep); ran through:");
    println!("   the lookups with neither, their p99 and max, and those divided by idle's. A");
    println!("   virtual machine's host can still pause a lookup that 'ran through'.");
}
