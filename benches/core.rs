//! Micro-benchmarks of the pure Rust core at production scale: 100,000 users,
//! 10,000 groups, 10,000 calls ringing. Prints ns per operation and the heap
//! bytes one tracked ringing call costs. Run with `cargo bench --bench core`
//! (or `scripts/bench`).

use grouppickup_testkit::bigconf;

use grouppickup_core::arbiter::{Arbiter, LegEvent, Origin, Picker};
use grouppickup_core::config::{sections_from_text, Config};
use grouppickup_core::number::GroupNumber;
use grouppickup_core::ring_time::RingTime;
use grouppickup_core::ringing::{RingingIndex, RingingLeg};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Counts live heap bytes, so the cost of a tracked call can be read off.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live() -> isize {
    LIVE.load(Relaxed)
}

const USERS: usize = 100_000;
const GROUPS: usize = 10_000;
const RINGING: usize = 10_000;
/// Operations per timed batch, and batches per operation.
const BATCH: usize = 1_000;
const ROUNDS: usize = 30;

/// A small deterministic generator: the same "random" users every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

/// The strings of one ringing leg, made before timing starts.
struct LegText {
    uniqueid: String,
    name: String,
    linkedid: String,
}

impl LegText {
    fn new(user: usize, seq: usize) -> LegText {
        LegText {
            uniqueid: format!("1764000000.{seq}"),
            name: format!("{}-{seq:08x}", bigconf::user_device(user)),
            linkedid: format!("1764000000.{}", seq + 50_000_000),
        }
    }

    /// The event an adapter hands the core, the device read off the leg's
    /// name as Asterisk's adapter does (part of what is timed).
    fn event(&self, ringing: bool) -> LegEvent<'_> {
        LegEvent {
            leg: &self.uniqueid,
            name: &self.name,
            device: device_of(&self.name),
            call: &self.linkedid,
            caller_number: "4255550199",
            caller_name: "Outside caller",
            origin: Origin::Dial,
            dialed: "2001",
            ringing,
        }
    }
}

/// The device of a channel name: the name without its `-<sequence>`.
fn device_of(channel: &str) -> &str {
    channel.rsplit_once('-').map_or("", |(device, _)| device)
}

/// ns per operation of each batch; the summary is the median batch and the
/// slowest batch.
struct Samples(Vec<f64>);

impl Samples {
    fn add(&mut self, elapsed: Duration, ops: usize) {
        self.0.push(elapsed.as_nanos() as f64 / ops as f64);
    }

    fn row(&mut self, what: &str) {
        self.0.sort_by(|a, b| a.total_cmp(b));
        let median = self.0[self.0.len() / 2];
        let worst = self.0[self.0.len() - 1];
        let verdict = if median < 1_000.0 { "ok" } else { "MISSED" };
        println!("{what:<44} {median:>9.0} {worst:>11.0}   {verdict}");
    }
}

fn main() {
    // `cargo bench` passes --bench; a filter or other flags are not supported.
    println!("== Core micro-benchmarks (cargo bench --bench core)");
    println!(
        "   {USERS} users, {GROUPS} groups, {RINGING} calls ringing; {ROUNDS} batches of {BATCH} operations each"
    );

    let text = bigconf::generate(USERS, GROUPS, "");
    let before_config = live();
    let started = Instant::now();
    let sections = sections_from_text("grouppickup.conf", &text);
    let config = Config::from_sections(&sections).expect("generated configuration is valid");
    let built = started.elapsed();
    drop(sections);
    let config_bytes = live() - before_config;
    println!(
        "   configuration: {} bytes of text parsed and validated in {:.1} ms (in-process reader); {:.1} MB of heap",
        text.len(),
        built.as_secs_f64() * 1e3,
        config_bytes as f64 / 1e6
    );
    drop(text);

    let registry = Arbiter::new(config);
    let mut rng = Lcg(42);
    let mut seq = 0usize;
    let mut new_leg = |rng: &mut Lcg| {
        seq += 1;
        LegText::new(rng.below(USERS), seq)
    };

    // Memory: heap growth from an empty index to RINGING calls.
    let mut ringing: Vec<LegText> = (0..RINGING).map(|_| new_leg(&mut rng)).collect();
    let before_calls = live();
    let now = RingTime::now();
    for leg in &ringing {
        registry.on_leg(&leg.event(true), now, || false);
    }
    let per_call = (live() - before_calls) as f64 / RINGING as f64;
    assert_eq!(registry.inspect(|ix| ix.len()), RINGING);

    println!();
    println!(
        "{:<44} {:>9} {:>11}",
        "operation (10,000 calls ringing)", "ns/op", "worst batch"
    );

    // Resolve a dialed number to a configured group.
    let config = registry.config();
    let dialed: Vec<String> = (0..BATCH)
        .map(|_| bigconf::group_number(rng.below(GROUPS)))
        .collect();
    let mut samples = Samples(Vec::new());
    for _ in 0..ROUNDS {
        let t = Instant::now();
        for d in &dialed {
            black_box(config.resolve(black_box(d)));
        }
        samples.add(t.elapsed(), BATCH);
    }
    samples.row("resolve a dialed number");

    // Register a ringing leg (a new call), then remove it: the index grows by
    // BATCH calls and shrinks back, staying at 10,000-11,000.
    let mut ring = Samples(Vec::new());
    let mut stop = Samples(Vec::new());
    for _ in 0..ROUNDS {
        let batch: Vec<LegText> = (0..BATCH).map(|_| new_leg(&mut rng)).collect();
        let now = RingTime::now();
        let t = Instant::now();
        for leg in &batch {
            black_box(registry.on_leg(&leg.event(true), now, || false));
        }
        ring.add(t.elapsed(), BATCH);
        let t = Instant::now();
        for leg in &batch {
            black_box(registry.on_leg(&leg.event(false), now, || false));
        }
        stop.add(t.elapsed(), BATCH);
    }
    ring.row("register a ringing leg (event -> index)");
    stop.row("remove it (leg stops ringing)");

    // Where registering goes: finding the user of the channel's device,
    // and the index insert itself (a separate index of 10,000 calls).
    // Fresh users every batch, as registering sees them: the same names
    // again would find the tables in the cache.
    let mut lookup = Samples(Vec::new());
    for _ in 0..ROUNDS {
        let names: Vec<String> = (0..BATCH)
            .map(|i| format!("{}-{i:08x}", bigconf::user_device(rng.below(USERS))))
            .collect();
        let t = Instant::now();
        for name in &names {
            black_box(config.user_of_device(device_of(black_box(name))));
        }
        lookup.add(t.elapsed(), BATCH);
    }
    lookup.row("  part of registering: channel name -> user");
    let mut index = RingingIndex::new();
    let now = RingTime::now();
    let user: Arc<str> = bigconf::user_name(7).into();
    let group = config.resolve(&bigconf::group_number(7)).unwrap();
    fn index_leg<'a>(leg: &'a LegText, user: &'a Arc<str>, group: GroupNumber) -> RingingLeg<'a> {
        RingingLeg {
            id: &leg.uniqueid,
            name: &leg.name,
            user,
            group,
            call: &leg.linkedid,
            caller_number: "4255550199",
            caller_name: "Outside caller",
        }
    }
    for leg in &ringing {
        index.ring(index_leg(leg, &user, group), now);
    }
    let mut insert = Samples(Vec::new());
    for _ in 0..ROUNDS {
        let batch: Vec<LegText> = (0..BATCH).map(|_| new_leg(&mut rng)).collect();
        let legs: Vec<RingingLeg<'_>> = batch.iter().map(|l| index_leg(l, &user, group)).collect();
        let t = Instant::now();
        for leg in legs {
            black_box(index.ring(leg, now));
        }
        insert.add(t.elapsed(), BATCH);
        for leg in &batch {
            index.stop(&leg.uniqueid);
        }
    }
    insert.row("  part of registering: index insert alone");

    // Claim the oldest call of a group that has one (resolve + policy +
    // claim), then finish it as a completed pickup; the claimed calls are
    // rung again, untimed, to keep 10,000 ringing.
    let picker = Picker {
        name: "PJSIP/u099999-00000001".to_string(),
        device: Some("PJSIP/u099999".to_string()),
    };
    let mut claim = Samples(Vec::new());
    let mut finish = Samples(Vec::new());
    for _ in 0..ROUNDS {
        let groups: Vec<String> = (0..BATCH)
            .map(|_| {
                let leg = &ringing[rng.below(ringing.len())];
                let user: usize = leg.name["PJSIP/u".len().."PJSIP/u".len() + 6]
                    .parse()
                    .unwrap();
                bigconf::group_number(bigconf::group_of_user(user, GROUPS))
            })
            .collect();
        let t = Instant::now();
        let claims: Vec<_> = groups
            .iter()
            .filter_map(|g| registry.begin(black_box(g), &picker).ok())
            .collect();
        claim.add(t.elapsed(), BATCH);
        assert!(claims.len() * 10 >= BATCH * 9, "most groups had a call");
        let t = Instant::now();
        for c in &claims {
            registry.picked(c);
        }
        finish.add(t.elapsed(), claims.len());
        // Ring as many new calls again, untimed.
        let gone: std::collections::HashSet<String> = claims
            .iter()
            .flat_map(|c| c.legs.iter().map(|l| l.id.clone()))
            .collect();
        ringing.retain(|l| !gone.contains(&l.uniqueid));
        let now = RingTime::now();
        while ringing.len() < RINGING {
            let leg = new_leg(&mut rng);
            registry.on_leg(&leg.event(true), now, || false);
            ringing.push(leg);
        }
    }
    claim.row("claim the oldest call of a group (begin)");
    finish.row("finish the claim after the pickup (picked)");

    println!();
    let verdict = if per_call <= 512.0 { "ok" } else { "MISSED" };
    println!("heap per tracked ringing call: {per_call:.0} bytes (target <= 512)   {verdict}");
    println!(
        "calls ringing at the end: {}",
        registry.inspect(|ix| ix.len())
    );
}
