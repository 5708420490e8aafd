//! Configuration at scale: `module load` and `module reload` of
//! app_grouppickup.so with a generated grouppickup.conf of 100,000 users
//! in 10,000 groups (one range of 10,000 group numbers, each registered as
//! an extension), timed through AMI, with Asterisk's CPU time and resident
//! memory. Run it with `scripts/bench` (or `cargo run --release --example
//! bench_config`).

#[path = "../tests/support/mod.rs"]
mod support;

#[allow(dead_code)]
#[path = "common/ami.rs"]
mod ami;

#[allow(dead_code)]
#[path = "../benches/common/bigconf.rs"]
mod bigconf;

#[allow(dead_code)]
#[path = "common/measure.rs"]
mod measure;

use ami::Ami;
use measure::{cpu_ticks, rss_kb, TICK_MS};
use std::time::{Duration, Instant};
use support::{Pbx, PbxSpec};

const USERS: usize = 100_000;
const GROUPS: usize = 10_000;
const RELOADS: usize = 5;

const SMALL: &str =
    "[general]\ncontext = grouppickup\n\n[r]\ntype = range\nstart = *100\nend = *101\n";

/// Runs a CLI command through AMI; its wall time (ms), Asterisk's CPU time
/// over it (ms) and its output.
fn timed(ami: &mut Ami, pid: u32, command: &str) -> (f64, f64, String) {
    let t0 = cpu_ticks(pid);
    let started = Instant::now();
    let out = ami.command(command).expect(command);
    let wall = started.elapsed().as_secs_f64() * 1e3;
    // Let the CPU counters catch up with the work just done.
    std::thread::sleep(Duration::from_millis(50));
    let cpu = (cpu_ticks(pid) - t0) as f64 * TICK_MS;
    (wall, cpu, out)
}

fn main() {
    let ami_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Boot with a tiny file, so the heap holds nothing of a big one.
    let pbx = Pbx::start(PbxSpec {
        phones: Vec::new(),
        grouppickup_conf: SMALL.to_string(),
        dialplan: String::new(),
        endpoint_options: String::new(),
        files: vec![(
            "manager.conf".to_string(),
            format!(
                "[general]\nenabled = yes\nport = {ami_port}\nbindaddr = 127.0.0.1\n\n\
                 [bench]\nsecret = bench\nread = all\nwrite = all\n"
            ),
        )],
    });
    let pid = measure::asterisk_pid(&pbx);
    let mut ami = Ami::connect(ami_port, "bench", "bench").expect("AMI login");
    let text = bigconf::generate(USERS, GROUPS, "");
    println!("== Configuration scale: {USERS} users, {GROUPS} groups");
    println!(
        "   grouppickup.conf: {:.1} MB, {} lines; {GROUPS} group numbers registered as extensions",
        text.len() as f64 / 1e6,
        text.lines().count()
    );

    let (_, _, out) = timed(&mut ami, pid, "module unload app_grouppickup.so");
    assert!(!out.contains("rror"), "{out}");
    std::thread::sleep(Duration::from_millis(500));
    let rss_before = rss_kb(pid);
    pbx.write_grouppickup_conf(&text);

    let (wall, cpu, out) = timed(&mut ami, pid, "module load app_grouppickup.so");
    assert!(out.contains("Loaded"), "module load: {out}");
    let rss_loaded = rss_kb(pid);
    let groups = ami.command("grouppickup show ranges").unwrap();
    println!();
    println!(
        "{:<34} {:>10} {:>10} {:>12}",
        "", "wall ms", "cpu ms", "RSS MB"
    );
    println!(
        "{:<34} {:>10} {:>10} {:>12.1}",
        "module unloaded (baseline)",
        "",
        "",
        rss_before as f64 / 1024.0
    );
    println!(
        "{:<34} {:>10.0} {:>10.0} {:>12.1}",
        "module load (100,000 users)",
        wall,
        cpu,
        rss_loaded as f64 / 1024.0
    );
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    for i in 0..RELOADS {
        let (wall, cpu, out) = timed(&mut ami, pid, "module reload app_grouppickup.so");
        assert!(!out.contains("rror"), "module reload: {out}");
        walls.push(wall);
        cpus.push(cpu);
        println!(
            "{:<34} {:>10.0} {:>10.0} {:>12.1}",
            format!("module reload #{}", i + 1),
            wall,
            cpu,
            rss_kb(pid) as f64 / 1024.0
        );
    }
    walls.sort_by(|a, b| a.total_cmp(b));
    cpus.sort_by(|a, b| a.total_cmp(b));
    println!();
    println!(
        "module memory (RSS after load - baseline): {:.1} MB; reload median {:.0} ms wall, {:.0} ms CPU",
        (rss_loaded as f64 - rss_before as f64) / 1024.0,
        walls[walls.len() / 2],
        cpus[cpus.len() / 2]
    );
    println!(
        "target: load < 1000 ms: {}",
        if wall < 1000.0 { "ok" } else { "MISSED" }
    );
    for line in groups.lines().take(4) {
        println!("   {line}");
    }
    let log = pbx.log();
    for line in log.lines().filter(|l| l.contains("error(s) in")) {
        println!("   {line}");
    }
}
