//! Configuration at scale: `module load` and `module reload` of
//! app_grouppickup.so with a generated grouppickup.conf of 100,000 users
//! in 10,000 groups (one range of 10,000 group numbers, each registered as
//! an extension), timed around the CLI command, with Asterisk's CPU time and
//! resident memory. Run it with `scripts/bench` (or `cargo run --release --example
//! bench_config`).

use grouppickup_testkit::measure::{self, cpu_ticks, rss_kb, TICK_MS};
use grouppickup_testkit::{bigconf, Pbx, PbxSpec};
use std::time::{Duration, Instant};

const USERS: usize = 100_000;
const GROUPS: usize = 10_000;
const RELOADS: usize = 3;

const SMALL: &str =
    "[general]\ncontext = grouppickup\n\n[r]\ntype = range\nstart = *100\nend = *101\n";

/// Runs a CLI command (`asterisk -rx`); its wall time (ms), Asterisk's CPU
/// time over it (ms) and its output. The CLI client's own start-up is in
/// the wall time; `baseline` measures it.
fn timed(pbx: &Pbx, pid: u32, command: &str) -> (f64, f64, String) {
    let t0 = cpu_ticks(pid);
    let started = Instant::now();
    let out = pbx.cli(command);
    let wall = started.elapsed().as_secs_f64() * 1e3;
    // Let the CPU counters catch up with the work just done.
    std::thread::sleep(Duration::from_millis(50));
    let cpu = (cpu_ticks(pid) - t0) as f64 * TICK_MS;
    (wall, cpu, out)
}

/// Reloads `RELOADS` times; (median wall ms, median CPU ms, RSS MB after).
fn reloads(pbx: &Pbx, pid: u32, label: &str) -> (f64, f64) {
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    for i in 0..RELOADS {
        let (wall, cpu, out) = timed(pbx, pid, "module reload app_grouppickup.so");
        assert!(!out.contains("rror"), "module reload: {out}");
        walls.push(wall);
        cpus.push(cpu);
        println!(
            "{:<40} {:>10.0} {:>10.0} {:>12.1}",
            format!("{label} #{}", i + 1),
            wall,
            cpu,
            rss_kb(pid) as f64 / 1024.0
        );
    }
    walls.sort_by(|a, b| a.total_cmp(b));
    cpus.sort_by(|a, b| a.total_cmp(b));
    (walls[walls.len() / 2], cpus[cpus.len() / 2])
}

fn main() {
    // Boot with a tiny file, so the heap holds nothing of a big one.
    let pbx = Pbx::start(PbxSpec {
        phones: Vec::new(),
        grouppickup_conf: SMALL.to_string(),
        dialplan: String::new(),
        endpoint_options: String::new(),
        files: Vec::new(),
    });
    let pid = measure::asterisk_pid(&pbx);
    // BENCH_BLF=no: without a hint per group number (blf = no).
    let blf = std::env::var("BENCH_BLF").unwrap_or_else(|_| "yes".to_string());
    let with_blf = |text: String| {
        text.replacen(
            "[general]\ncontext = grouppickup\n",
            &format!("[general]\ncontext = grouppickup\nblf = {blf}\n"),
            1,
        )
    };
    let text = with_blf(bigconf::generate(USERS, GROUPS, ""));
    println!("== Configuration scale: {USERS} users, {GROUPS} groups, blf = {blf}");
    println!(
        "   grouppickup.conf: {:.1} MB, {} lines; one range of {GROUPS} group numbers (registered as the pattern _*1XXXX)",
        text.len() as f64 / 1e6,
        text.lines().count()
    );
    let (cli_ms, _, _) = timed(&pbx, pid, "core show version");

    let out = pbx.cli("module unload app_grouppickup.so");
    let shown = pbx.cli("module show like grouppickup");
    assert!(
        shown.contains("0 modules loaded"),
        "module unload: {out} {shown}"
    );
    std::thread::sleep(Duration::from_millis(500));
    let rss_before = rss_kb(pid);
    pbx.write_grouppickup_conf(&text);

    let (wall, cpu, _) = timed(&pbx, pid, "module load app_grouppickup.so");
    let shown = pbx.cli("module show like grouppickup");
    assert!(shown.contains("1 modules loaded"), "module load: {shown}");
    let rss_loaded = rss_kb(pid);
    let ranges = pbx.cli("grouppickup show ranges");
    println!();
    println!(
        "{:<40} {:>10} {:>10} {:>12}",
        "", "wall ms", "cpu ms", "RSS MB"
    );
    println!(
        "{:<40} {:>10.0} {:>10} {:>12.1}",
        "CLI round trip alone (core show version)",
        cli_ms,
        "",
        rss_before as f64 / 1024.0
    );
    println!(
        "{:<40} {:>10.0} {:>10.0} {:>12.1}",
        "module load, 100,000 users",
        wall,
        cpu,
        rss_loaded as f64 / 1024.0
    );
    let (reload_wall, reload_cpu) = reloads(&pbx, pid, "module reload");

    // The same users in 100 groups: 100 extensions instead of 10,000.
    let few = with_blf(bigconf::generate(USERS, 100, ""));
    pbx.write_grouppickup_conf(&few);
    let (few_wall, few_cpu) = reloads(&pbx, pid, "module reload, 100 groups");
    println!();
    println!(
        "module memory: {:.1} MB (RSS after load - RSS with the module unloaded)",
        (rss_loaded as f64 - rss_before as f64) / 1024.0
    );
    println!(
        "module load {:.0} ms, reload median {:.0} ms wall / {:.0} ms CPU (CLI round trip {:.0} ms included)",
        wall, reload_wall, reload_cpu, cli_ms
    );
    println!(
        "with 100 groups instead of 10,000: reload {:.0} ms wall / {:.0} ms CPU; 10,000 groups instead of 100 cost the difference",
        few_wall, few_cpu
    );
    println!(
        "target: 100,000-user configuration loads in < 1000 ms: {}",
        if wall - cli_ms < 1000.0 {
            "ok"
        } else {
            "MISSED"
        }
    );
    for line in ranges.lines().take(3) {
        println!("   | {line}");
    }
}
