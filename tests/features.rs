//! The features around the pickup itself, in a real Asterisk with real SIP
//! endpoints: the BLF lamp of a group number, the "picked up by" message, the
//! dialplan functions, and the AMI events.
//!
//! The office: alice is in group *101 with a private line 4255550100; bob is
//! in no group; watcher has a BLF key for *101; caller1 calls in.

use grouppickup_testkit::{ami_header, Ami, Pbx, PbxSpec, Sipp};
use std::time::Duration;

const CONF: &str = "\
[general]
context = grouppickup
notify_message = yes

[office]
type = range
start = *100
end = *199

[*101]
type = group
name = Sales

[alice]
type = user
endpoint = PJSIP/alice
group = *101
private_lines = 4255550100

[bob]
type = user
endpoint = PJSIP/bob
";

const DIALPLAN: &str = "\
exten => 2001,1,Dial(PJSIP/alice,30)
exten => 4255550100,1,Dial(PJSIP/alice,30)
; The functions, as a dialplan reads them; then refused (403).
exten => 7000,1,Log(NOTICE,FUNCS group=[${GROUPPICKUP_GROUP(alice)}] bob=[${GROUPPICKUP_GROUP(bob)}] nobody=[${GROUPPICKUP_GROUP(nobody)}] ringing=[${GROUPPICKUP_RINGING(*101)}] other=[${GROUPPICKUP_RINGING(*102)}] invalid=[${GROUPPICKUP_RINGING(*999)}])
same => n,Hangup(21)
";

fn office(conf: &str) -> Pbx {
    Pbx::start(PbxSpec::new(
        &["alice", "bob", "watcher", "caller1", "caller2"],
        conf,
        DIALPLAN,
    ))
}

const WAIT: Duration = Duration::from_secs(30);

/// The dialog states in the bodies of the NOTIFYs a subscriber received.
fn notified_states(watcher: &Sipp) -> Vec<String> {
    watcher
        .received("NOTIFY")
        .iter()
        .map(|m| {
            m.split("<state>")
                .nth(1)
                .and_then(|s| s.split('<').next())
                .unwrap_or("(no dialog state)")
                .to_string()
        })
        .collect()
}

#[test]
fn a_blf_subscription_to_the_group_number_sees_it_ring_and_go_idle() {
    let pbx = office(CONF);
    // One pattern hint for the range; Asterisk makes the hint of a single
    // number from it when a phone subscribes.
    let hints = pbx.cli("core show hints");
    assert!(hints.contains("GroupPickup:${EXTEN}"), "{hints}");
    assert!(!hints.contains("GroupPickup:*101"), "{hints}");
    let mut watcher = pbx.subscribe("watcher", "*101");
    pbx.wait_for("the first NOTIFY", WAIT, |_| {
        (!watcher.received("NOTIFY").is_empty()).then_some(())
    });
    let hints = pbx.cli("core show hint *101");
    assert!(
        hints.contains("GroupPickup:*101")
            && hints.contains("Idle")
            && hints.contains("Watchers  1"),
        "{hints}"
    );
    // A reload that keeps the group number keeps the hint and its watcher.
    pbx.cli("module reload app_grouppickup.so");
    let hints = pbx.cli("core show hint *101");
    assert!(hints.contains("Watchers  1"), "{hints}");

    let mut alice = pbx.ringing_phone_with_message("alice");
    let mut caller = pbx.call("caller1", "2001");
    pbx.wait_ringing(1);
    pbx.wait_for("the ringing NOTIFY", WAIT, |_| {
        (watcher.received("NOTIFY").len() >= 2).then_some(())
    });
    let mut bob = pbx.pick("bob", "*101", 2000);
    pbx.wait_bridged("caller1", "bob");
    watcher.wait(WAIT).expect("three NOTIFYs answered");
    assert_eq!(
        notified_states(&watcher),
        ["terminated", "early", "terminated"],
        "idle, ringing, idle again"
    );
    bob.wait(WAIT).unwrap();
    caller.wait(WAIT).unwrap();
    alice.wait(WAIT).unwrap();
    // Unloading removes the pattern hint and the number's hint made from it.
    pbx.cli("module unload app_grouppickup.so");
    let hints = pbx.cli("core show hints");
    assert!(!hints.contains("GroupPickup:"), "{hints}");
}

#[test]
fn blf_no_registers_no_hints() {
    let pbx = office(&CONF.replace("notify_message = yes", "blf = no"));
    let hints = pbx.cli("core show hints");
    assert!(!hints.contains("GroupPickup:"), "{hints}");
    assert!(pbx
        .cli("dialplan show *101@grouppickup")
        .contains("GroupPickup(${EXTEN})"));
}

#[test]
fn the_callee_gets_a_message_naming_caller_and_picker() {
    let pbx = office(CONF);
    let mut alice = pbx.ringing_phone_with_message("alice");
    let mut caller = pbx.call("caller1", "2001");
    pbx.wait_ringing(1);
    let mut bob = pbx.pick("bob", "*101", 2000);
    pbx.wait_bridged("caller1", "bob");
    alice
        .wait(WAIT)
        .expect("alice's phone is cancelled, then gets the MESSAGE");
    let messages = alice.received("MESSAGE");
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0]
            .contains("Your call from \"caller1\" <caller1> was picked up by bob (group *101)."),
        "{}",
        messages[0]
    );
    bob.wait(WAIT).unwrap();
    caller.wait(WAIT).unwrap();
}

#[test]
fn without_notify_message_no_message_is_sent() {
    let pbx = office(&CONF.replace("notify_message = yes", "notify_message = no"));
    // This phone is done after one call and one message; without the
    // message it must still be waiting.
    let mut alice = pbx.ringing_phone_with_message("alice");
    let mut caller = pbx.call("caller1", "2001");
    pbx.wait_ringing(1);
    let mut bob = pbx.pick("bob", "*101", 1500);
    pbx.wait_bridged("caller1", "bob");
    bob.wait(WAIT).unwrap();
    caller.wait(WAIT).unwrap();
    assert_eq!(alice.received("CANCEL").len(), 1);
    assert!(alice.received("MESSAGE").is_empty());
    assert!(alice.wait(Duration::from_millis(500)).is_err());
}

#[test]
fn the_functions_read_groups_and_pickable_calls() {
    let pbx = office(CONF);
    // Two calls ring at alice: one on her public number, one on her private
    // line. Only the first is pickable.
    let mut alice = pbx.ringing_phone("alice", 2);
    let mut caller1 = pbx.call("caller1", "2001");
    let mut caller2 = pbx.call("caller2", "4255550100");
    pbx.wait_ringing(1);
    pbx.wait_for("two legs ringing at alice", WAIT, |p| {
        (p.ringing_channels("alice") == 2).then_some(())
    });
    let mut probe = pbx.refused_call("bob", "7000");
    probe.wait(WAIT).unwrap();
    let log = pbx.wait_log("FUNCS ");
    let line = log
        .lines()
        .find(|l| l.contains("FUNCS "))
        .unwrap_or_else(|| panic!("no FUNCS line in\n{log}"));
    assert!(
        line.contains("group=[*101] bob=[] nobody=[] ringing=[1] other=[0] invalid=[]"),
        "{line}"
    );
    assert!(
        log.contains("GROUPPICKUP_RINGING(*999): '*999' is not a group number"),
        "the bad argument is logged"
    );
    drop((alice.wait(Duration::ZERO), caller1.wait(Duration::ZERO)));
    drop(caller2.wait(Duration::ZERO));
}

#[test]
fn ami_events_report_pickups_and_failures() {
    let pbx = office(CONF);
    let mut ami = Ami::login(&pbx, "admin");
    let mut alice = pbx.ringing_phone("alice", 1);
    let mut caller = pbx.call("caller1", "2001");
    pbx.wait_ringing(1);
    let mut bob = pbx.pick("bob", "*101", 2000);
    let event = ami.wait_event("GroupPickup", WAIT);
    for (key, expected) in [
        ("Group", "*101"),
        ("Callee", "alice"),
        ("CallerIDNum", "caller1"),
        ("CallerIDName", "caller1"),
    ] {
        assert_eq!(ami_header(&event, key), Some(expected), "{key} in\n{event}");
    }
    assert!(ami_header(&event, "PickerChannel")
        .unwrap()
        .starts_with("PJSIP/bob-"));
    assert!(ami_header(&event, "TargetChannel")
        .unwrap()
        .starts_with("PJSIP/alice-"));
    let ring_ms: u64 = ami_header(&event, "RingTime").unwrap().parse().unwrap();
    assert!(ring_ms < 30_000, "{event}");
    assert_eq!(ami_header(&event, "Privilege"), Some("call,all"));
    bob.wait(WAIT).unwrap();
    caller.wait(WAIT).unwrap();
    alice.wait(WAIT).unwrap();

    let mut refused = pbx.pick_refused("bob", "*101");
    let failed = ami.wait_event("GroupPickupFailed", WAIT);
    assert_eq!(ami_header(&failed, "Group"), Some("*101"), "{failed}");
    assert_eq!(ami_header(&failed, "Reason"), Some("NOCALL"), "{failed}");
    assert!(ami_header(&failed, "PickerChannel")
        .unwrap()
        .starts_with("PJSIP/bob-"));
    refused.wait(WAIT).unwrap();
}

/// The README's dialplan example, as it stands there: the `[phones]` block.
fn readme_dialplan() -> String {
    let readme = std::fs::read_to_string(format!("{}/README.md", grouppickup_testkit::REPO))
        .expect("README.md");
    let start = readme
        .find("```\n[phones]\n")
        .expect("the [phones] example")
        + 4;
    let len = readme[start..].find("```").expect("the example's end");
    readme[start..start + len].to_string()
}

#[test]
fn the_readmes_own_group_extension_picks_up_with_default_features_conf() {
    let example = readme_dialplan();
    let exten = example
        .lines()
        .find_map(|l| {
            l.strip_prefix("exten => ")?
                .split_once(",1,GroupPickup(")
                .map(|(e, _)| e.to_string())
        })
        .expect("the README's own-group extension");
    // The phones' context includes the README's; features.conf is the
    // stock one (pickupexten = *8).
    let dialplan = format!("include => phones\n{DIALPLAN}\n{example}");
    let conf = CONF.replace(
        "endpoint = PJSIP/bob\n",
        "endpoint = PJSIP/bob\ngroup = *101\n",
    );
    let pbx = Pbx::start(PbxSpec::new(&["alice", "bob", "caller1"], &conf, &dialplan));
    let features = pbx.cli("features show");
    assert!(
        features
            .lines()
            .any(|l| l.split_whitespace().eq(["Pickup", "*8", "*8"])),
        "{features}"
    );

    let mut alice = pbx.ringing_phone("alice", 1);
    let mut caller = pbx.call("caller1", "2001");
    pbx.wait_ringing(1);
    let mut bob = pbx.pick("bob", &exten, 2000);
    pbx.wait_bridged("bob", "caller1");
    bob.wait(WAIT).unwrap();
    alice.wait(WAIT).unwrap();
    drop(caller.wait(Duration::ZERO));
    // bob's own group, found by the README's dialplan.
    let ran = format!("Executing [{exten}@internal:1] GroupPickup(\"PJSIP/bob-");
    let log = pbx.log();
    assert!(
        log.lines()
            .any(|l| l.contains(&ran) && l.ends_with("\"*101\") in new stack")),
        "{ran} not in the log"
    );

    // The number the README warns about: chan_pjsip refuses it (403).
    pbx.refused_call("bob", "*8").wait(WAIT).unwrap();
}
