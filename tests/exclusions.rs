//! Calls that must never be picked up, and who may pick up, in a real
//! Asterisk with SIPp phones. An excluded call gets NOCALL and keeps ringing.

use grouppickup_testkit::{Pbx, PbxSpec, Phone};
use std::time::Duration;

const CONF: &str = "\
[general]
context = grouppickup
exclude_queue_calls = yes

[office]
type = range
start = *100
end = *199

[*102]
type = group
name = Support
pickup_by = members

[alice]
type = user
endpoint = PJSIP/alice
group = *101
private_lines = 4255550100
personal_contacts = caller2

[erin]
type = user
endpoint = PJSIP/erin
group = *102

[frank]
type = user
endpoint = PJSIP/frank
group = *102
";

const DIALPLAN: &str = "\
exten => 2001,1,Dial(PJSIP/alice,30)
exten => 4255550100,1,Dial(PJSIP/alice,30)
exten => 2021,1,Set(__GROUPPICKUP_EXCLUDE=yes)
same => n,Dial(PJSIP/alice,30)
exten => 2031,1,Queue(helpdesk,r)
exten => 2003,1,Dial(PJSIP/erin,30)
; alice's phone and, at the same time, dave's (a colleague in no group)
exten => 2041,1,Dial(PJSIP/alice&PJSIP/dave,30)
exten => 2042,1,Dial(PJSIP/dave,30)
";

const QUEUES: &str = "\
[general]
[helpdesk]
strategy = ringall
timeout = 30
member => PJSIP/alice
";

const WAIT: Duration = Duration::from_secs(30);

fn office() -> Pbx {
    office_with(CONF)
}

fn office_with(conf: &str) -> Pbx {
    Pbx::start(PbxSpec {
        phones: [
            "alice", "erin", "frank", "bob", "dave", "caller1", "caller2",
        ]
        .iter()
        .map(|n| Phone::new(n))
        .collect(),
        grouppickup_conf: conf.to_string(),
        dialplan: DIALPLAN.to_string(),
        endpoint_options: String::new(),
        files: vec![("queues.conf".to_string(), QUEUES.to_string())],
    })
}

/// Calls `number` from `caller`, waits until alice's phone really rings, then
/// checks that bob gets NOCALL and alice's phone goes on ringing.
fn assert_not_pickable(caller: &str, number: &str) {
    let pbx = office();
    let alice = pbx.ringing_phone("alice", 1);
    let _call = pbx.call(caller, number);
    pbx.wait_for("alice's phone ringing", WAIT, |p| {
        (p.ringing_channels("alice") == 1).then_some(())
    });
    let mut bob = pbx.pick_refused("bob", "*101");
    bob.wait(WAIT).unwrap();
    assert_eq!(pbx.wait_statuses(1), ["NOCALL"]);
    assert!(pbx
        .cli("grouppickup show ringing")
        .contains("0 call(s) ringing"));
    assert_eq!(pbx.ringing_channels("alice"), 1, "the call keeps ringing");
    assert!(alice.received("CANCEL").is_empty());
}

#[test]
fn calls_to_a_private_line_are_never_pickable() {
    assert_not_pickable("caller1", "4255550100");
}

#[test]
fn calls_from_a_personal_contact_are_never_pickable() {
    assert_not_pickable("caller2", "2001");
}

#[test]
fn calls_marked_grouppickup_exclude_are_never_pickable() {
    assert_not_pickable("caller1", "2021");
}

#[test]
fn queue_legs_are_never_pickable() {
    assert_not_pickable("caller1", "2031");
}

#[test]
fn a_call_ringing_only_at_a_colleague_in_no_group_is_never_pickable() {
    let pbx = office();
    let dave = pbx.ringing_phone("dave", 1);
    let _call = pbx.call("caller1", "2042");
    pbx.wait_for("dave's phone ringing", WAIT, |p| {
        (p.ringing_channels("dave") == 1).then_some(())
    });
    let mut bob = pbx.pick_refused("bob", "*101");
    bob.wait(WAIT).unwrap();
    assert_eq!(pbx.wait_statuses(1), ["NOCALL"]);
    assert_eq!(pbx.ringing_channels("dave"), 1, "the call keeps ringing");
    assert!(dave.received("CANCEL").is_empty());
}

#[test]
fn a_simultaneous_ring_leg_to_a_colleague_is_not_part_of_the_pickable_call() {
    let pbx = office();
    let mut alice = pbx.ringing_phone("alice", 1);
    let mut dave = pbx.ringing_phone("dave", 1);
    let mut caller = pbx.call("caller1", "2041");
    pbx.wait_for("both phones ringing", WAIT, |p| {
        (p.ringing_channels("alice") == 1 && p.ringing_channels("dave") == 1).then_some(())
    });
    let ringing = pbx.wait_ringing(1);
    assert!(
        ringing.contains("PJSIP/alice-") && !ringing.contains("PJSIP/dave-"),
        "only alice's leg is pickable:\n{ringing}"
    );
    let mut bob = pbx.pick("bob", "*101", 2000);
    pbx.wait_bridged("caller1", "bob");
    bob.wait(WAIT).unwrap();
    caller.wait(WAIT).unwrap();
    alice.wait(WAIT).unwrap();
    dave.wait(WAIT).expect("dave's phone stops ringing too");
}

/// The control cases: the same phones and group, without the exclusion.
fn assert_pickable(conf: &str, number: &str) {
    let pbx = office_with(conf);
    let mut alice = pbx.ringing_phone("alice", 1);
    let mut caller = pbx.call("caller1", number);
    pbx.wait_ringing(1);
    let mut bob = pbx.pick("bob", "*101", 2500);
    pbx.wait_bridged("caller1", "bob");
    bob.wait(WAIT).unwrap();
    caller.wait(WAIT).unwrap();
    alice.wait(WAIT).unwrap();
}

#[test]
fn the_same_call_on_alices_public_number_is_pickable() {
    assert_pickable(CONF, "2001");
}

#[test]
fn queue_legs_are_pickable_when_the_administrator_allows_it() {
    assert_pickable(
        &CONF.replace("exclude_queue_calls = yes", "exclude_queue_calls = no"),
        "2031",
    );
}

#[test]
fn pickup_by_members_refuses_others_and_lets_members_through() {
    let pbx = office();
    let mut erin = pbx.ringing_phone("erin", 1);
    let mut caller = pbx.call("caller1", "2003");
    pbx.wait_ringing(1);

    let mut bob = pbx.pick_refused("bob", "*102");
    bob.wait(WAIT).unwrap();
    assert_eq!(pbx.wait_statuses(1), ["DENIED"]);
    assert_eq!(pbx.ringing_channels("erin"), 1, "the call keeps ringing");
    pbx.wait_ringing(1);

    let mut frank = pbx.pick("frank", "*102", 2500);
    pbx.wait_bridged("caller1", "frank");
    frank.wait(WAIT).unwrap();
    caller.wait(WAIT).unwrap();
    erin.wait(WAIT).unwrap();
}
