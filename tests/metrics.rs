//! The metrics on Asterisk's own `/metrics` page (res_prometheus), scraped
//! from the test Asterisk's HTTP server before and after real pickups and
//! failures; and the module without res_prometheus.

use grouppickup_testkit::{free_tcp_port, modules_conf, Pbx, PbxSpec, OFFICE_WITH_ALICE};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// alice in group *101 (OFFICE_WITH_ALICE), bob in no group, picking up.
fn conf() -> String {
    format!("{OFFICE_WITH_ALICE}\n[bob]\ntype = user\nendpoint = PJSIP/bob\n")
}

const WAIT: Duration = Duration::from_secs(30);

/// An office whose Asterisk loads res_prometheus and serves `/metrics` on
/// 127.0.0.1:`port`.
fn office_with_metrics(port: u16) -> Pbx {
    let modules: String = modules_conf(&[])
        .lines()
        .filter(|l| *l != "noload = res_prometheus.so")
        .map(|l| format!("{l}\n"))
        .collect();
    Pbx::start(PbxSpec {
        files: vec![
            ("modules.conf".into(), modules),
            (
                "http.conf".into(),
                format!("[general]\nenabled = yes\nbindaddr = 127.0.0.1\nbindport = {port}\n"),
            ),
            (
                "prometheus.conf".into(),
                "[general]\nenabled = yes\ncore_metrics_enabled = no\nuri = metrics\n".into(),
            ),
        ],
        ..PbxSpec::new(
            &["alice", "bob", "caller1"],
            &conf(),
            "exten => 2001,1,Dial(PJSIP/alice,30)\n",
        )
    })
}

/// The series of the page whose names start with asterisk_grouppickup_.
fn scrape(port: u16) -> BTreeMap<String, f64> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("the HTTP server");
    stream.set_read_timeout(Some(WAIT)).unwrap();
    write!(
        stream,
        "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut page = String::new();
    stream.read_to_string(&mut page).unwrap();
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    page.lines()
        .filter(|l| l.starts_with("asterisk_grouppickup_"))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            Some((series.to_string(), value.parse().ok()?))
        })
        .collect()
}

fn value(page: &BTreeMap<String, f64>, series: &str) -> f64 {
    page.get(series).copied().unwrap_or(0.0)
}

/// caller1 calls alice; while it rings `ringing` runs, then bob picks it up.
fn one_pickup(pbx: &Pbx, ringing: impl FnOnce()) {
    let mut alice = pbx.ringing_phone("alice", 1);
    let mut caller = pbx.call("caller1", "2001");
    pbx.wait_ringing(1);
    ringing();
    let mut bob = pbx.pick("bob", "*101", 2000);
    pbx.wait_bridged("bob", "caller1");
    bob.wait(WAIT).unwrap();
    alice.wait(WAIT).unwrap();
    drop(caller.wait(WAIT));
}

const PICKUPS: &str = "asterisk_grouppickup_pickups_total{group=\"*101\"}";
const NOCALL: &str = "asterisk_grouppickup_failures_total{group=\"*101\",reason=\"NOCALL\"}";
const INVALID: &str = "asterisk_grouppickup_failures_total{group=\"\",reason=\"INVALID\"}";
const RINGING: &str = "asterisk_grouppickup_ringing_calls{group=\"*101\"}";
const RING_SECONDS: &str = "asterisk_grouppickup_ring_seconds_total{group=\"*101\"}";

#[test]
fn res_prometheus_serves_the_counters_of_real_pickups_and_failures() {
    let port = free_tcp_port();
    let pbx = office_with_metrics(port);
    pbx.wait_log("grouppickup: metrics registered with res_prometheus");
    let before = scrape(port);
    assert!(before.contains_key(PICKUPS), "{before:?}");
    assert_eq!(value(&before, RINGING), 0.0);

    let pickups = 2;
    for n in 0..pickups {
        one_pickup(&pbx, || {
            if n == 0 {
                assert_eq!(value(&scrape(port), RINGING), 1.0, "while it rings");
            }
        });
    }
    let nocalls = 2;
    for _ in 0..nocalls {
        pbx.pick_refused("bob", "*101").wait(WAIT).unwrap();
    }
    pbx.pick_refused("bob", "*300").wait(WAIT).unwrap();
    pbx.wait_statuses(3);

    let after = scrape(port);
    assert_eq!(
        value(&after, PICKUPS) - value(&before, PICKUPS),
        pickups as f64
    );
    assert_eq!(
        value(&after, NOCALL) - value(&before, NOCALL),
        nocalls as f64
    );
    assert_eq!(value(&after, INVALID) - value(&before, INVALID), 1.0);
    assert_eq!(value(&after, RINGING), 0.0);
    let rang = value(&after, RING_SECONDS) - value(&before, RING_SECONDS);
    assert!(rang > 0.0 && rang < 30.0, "{rang}");
}

#[test]
fn without_res_prometheus_the_module_loads_and_picks_up() {
    // The test Asterisk does not load res_prometheus.
    let pbx = Pbx::start(PbxSpec::new(
        &["alice", "bob", "caller1"],
        &conf(),
        "exten => 2001,1,Dial(PJSIP/alice,30)\n",
    ));
    pbx.wait_log("grouppickup: res_prometheus is not loaded; no metrics");
    let prometheus = pbx.cli("module show like res_prometheus");
    assert!(prometheus.contains("0 modules loaded"), "{prometheus}");
    one_pickup(&pbx, || {});
}
