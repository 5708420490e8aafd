//! Pickup across servers, in real Asterisks with real SIP phones and a real
//! Redis: the office of testkit's `cluster`, three servers pbx-a, pbx-b and
//! pbx-c and one redis-server. alice's phone is on pbx-a, erin's on pbx-b;
//! bob picks up from pbx-b, dave from pbx-c.

use grouppickup_testkit as support;

use std::time::{Duration, Instant};
use support::cluster::Office;
use support::{ami_header, Ami, Pbx, Phone, Sipp, SippSpec};

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn a_picker_on_one_server_takes_a_call_ringing_on_another() {
    let office = Office::start();
    let mut alice = office.a().ringing_phone("alice", 1);
    let mut caller = office.a().call("caller1", "2001");
    office.a().wait_ringing(1);
    let seen = Instant::now();
    let on_c = office.c().wait_ringing(1);
    assert!(
        seen.elapsed() < Duration::from_secs(1),
        "took {:?}",
        seen.elapsed()
    );
    assert!(on_c.contains("pbx-a") && on_c.contains("alice"), "{on_c}");
    assert!(on_c.lines().next().unwrap().starts_with("Node"), "{on_c}");

    let mut ami = Ami::login(office.a(), "admin");
    let mut bob = office.b().pick("bob", "*101", 2000);
    // On pbx-a the caller is bridged with the trunk from pbx-b; on pbx-b,
    // bob with the trunk to pbx-a.
    office.a().wait_bridged("caller1", "pbx-b");
    office.b().wait_bridged("bob", "pbx-a");
    bob.wait(WAIT).unwrap();
    caller.wait(WAIT).unwrap();
    alice.wait(WAIT).unwrap();
    alice.assert_answered_elsewhere();
    office.a().wait_log("pbx-b (through PJSIP/pbx-b-");
    let event = ami.wait_event("GroupPickup", WAIT);
    for (key, value) in [
        ("Node", "pbx-a"),
        ("PickerNode", "pbx-b"),
        ("Callee", "alice"),
        ("Group", "*101"),
    ] {
        assert_eq!(ami_header(&event, key), Some(value), "{key} in\n{event}");
    }
    office.wait_everywhere(0);
}

#[test]
fn the_oldest_call_on_any_server_is_picked_first() {
    let office = Office::start();
    let mut alice = office.a().ringing_phone("alice", 1);
    let mut erin = office.b().ringing_phone("erin", 1);
    let mut first = office.a().call("caller1", "2001");
    office.c().wait_ringing(1);
    std::thread::sleep(Duration::from_millis(1000));
    let mut second = office.b().call("caller2", "2005");
    office.c().wait_ringing(2);

    let mut dave = office.c().pick("dave", "*101", 1500);
    office.a().wait_bridged("caller1", "pbx-c");
    dave.wait(WAIT).unwrap();
    first.wait(WAIT).unwrap();
    alice.wait(WAIT).unwrap();
    let mut bob = office.b().pick("bob", "*101", 1500);
    office.b().wait_bridged("caller2", "bob");
    bob.wait(WAIT).unwrap();
    second.wait(WAIT).unwrap();
    erin.wait(WAIT).unwrap();
    office.wait_everywhere(0);
}

#[test]
fn the_lamp_and_the_count_on_one_server_follow_a_call_on_another() {
    let office = Office::start();
    let state = |p: &Pbx| {
        p.cli("dialplan eval function DEVICE_STATE(GroupPickup:*101)")
            .trim()
            .to_string()
    };
    let ringing = |p: &Pbx| {
        p.cli("dialplan eval function GROUPPICKUP_RINGING(*101)")
            .trim()
            .to_string()
    };
    assert!(
        state(office.c()).contains("NOT_INUSE"),
        "{}",
        state(office.c())
    );
    let alice = office.a().ringing_phone("alice", 1);
    let caller = office.a().call("caller1", "2001");
    office.a().wait_ringing(1);
    let t = Instant::now();
    office.c().wait_for("the lamp on pbx-c", WAIT, |p| {
        state(p).contains("RINGING").then_some(())
    });
    let lit = t.elapsed();
    assert!(lit < Duration::from_secs(1), "lit after {lit:?}");
    assert!(ringing(office.c()).contains('1'), "{}", ringing(office.c()));
    // The caller gives up: every channel on pbx-a goes.
    office.a().cli("channel request hangup all");
    drop((caller, alice));
    office.c().wait_for("the lamp off on pbx-c", WAIT, |p| {
        state(p).contains("NOT_INUSE").then_some(())
    });
}

#[test]
fn runtime_assignments_reach_every_server_and_survive_a_restart() {
    let mut office = Office::start();
    office.a().cli("grouppickup set user bob group *102");
    let t = Instant::now();
    for p in &office.pbx[1..] {
        p.wait_for("bob in *102", WAIT, |p| {
            p.cli("grouppickup show user bob")
                .contains("*102")
                .then_some(())
        });
    }
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "took {:?}",
        t.elapsed()
    );
    office.pbx[1].restart();
    let bob = office.b().cli("grouppickup show user bob");
    assert!(bob.contains("*102") && bob.contains("runtime"), "{bob}");
}

#[test]
fn a_server_that_dies_is_no_longer_offered_within_three_seconds() {
    let mut office = Office::start();
    let _alice = office.a().ringing_phone("alice", 1);
    let _caller = office.a().call("caller1", "2001");
    office.b().wait_ringing(1);
    let pid = office.a().pid().expect("pbx-a runs");
    let killed = Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    office.b().wait_ringing(0);
    let gone = killed.elapsed();
    assert!(
        gone < Duration::from_secs(3),
        "still offered after {gone:?}"
    );
    let mut refused = office.b().pick_refused("bob", "*101");
    refused.wait(WAIT).unwrap();
    assert_eq!(office.b().wait_statuses(1), ["NOCALL"]);
    office.pbx[0].stop();
}

#[test]
fn a_made_up_or_replayed_token_gets_nothing_and_is_logged() {
    let office = Office::start();
    let _alice = office.a().ringing_phone("alice", 1);
    let _caller = office.a().call("caller1", "2001");
    office.a().wait_ringing(1);
    // A call into pbx-a's peer context as pbx-b, with a token nobody issued.
    let forger = Phone::new("pbx-b");
    let mut forged = Sipp::start(SippSpec {
        scenario: "uac_call_or_fail.xml",
        phone: &forger,
        remote: Some((office.a().sip_port, "0123456789abcdef0123456789abcdef")),
        calls: 1,
        hold_ms: 0,
    });
    forged.wait(WAIT).unwrap();
    office
        .a()
        .wait_log("brought a pickup token that is refused");
    assert_eq!(
        office.a().ringing_channels("alice"),
        1,
        "alice's phone still rings"
    );
    office.a().wait_ringing(1);
}

#[test]
fn load_and_unload_in_a_cluster_leave_the_module_cleanly_unloadable() {
    // The worker thread is made so that no thread of Asterisk's keeps the
    // module mapped: every dlclose of it succeeds.
    let redis = support::redis::Server::redis(None, "");
    let conf = format!(
        "{}\n[cluster]\nnode = pbx-a\nredis = {}\n",
        support::OFFICE_WITH_ALICE,
        redis.url()
    );
    let pbx = Pbx::start(support::PbxSpec::new(&["alice"], &conf, ""));
    for _ in 0..3 {
        // Long enough for the worker to be at work.
        std::thread::sleep(Duration::from_millis(500));
        assert!(pbx
            .cli("module unload app_grouppickup.so")
            .contains("Unloaded"));
        assert!(pbx.cli("module load app_grouppickup.so").contains("Loaded"));
    }
    let log = pbx.log();
    let failures: Vec<&str> = log.lines().filter(|l| l.contains("dlclose")).collect();
    assert!(failures.is_empty(), "{failures:#?}");
}
