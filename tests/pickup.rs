//! Group call pickup in a real Asterisk with real SIP endpoints (SIPp).
//!
//! The office: alice (two desk phones: alice and alice-desk) and carol are in
//! group *101, erin is in group *102; bob and dave are in no group; caller1
//! and caller2 call in.

use grouppickup_testkit::{Pbx, PbxSpec};
use std::time::Duration;

const CONF: &str = "\
[general]
context = grouppickup

[office]
type = range
start = *100
end = *199

[alice]
type = user
endpoint = PJSIP/alice, PJSIP/alice-desk
group = *101

[carol]
type = user
endpoint = PJSIP/carol
group = *101

[erin]
type = user
endpoint = PJSIP/erin
group = *102

[bob]
type = user
endpoint = PJSIP/bob
";

const DIALPLAN: &str = "\
exten => 2001,1,Dial(PJSIP/alice,30)
exten => 2002,1,Dial(PJSIP/carol,30)
exten => 2003,1,Dial(PJSIP/erin,30)
exten => 2011,1,Dial(PJSIP/alice&PJSIP/alice-desk,30)
; Asterisk's own directed pickup of the call dialed to 2001.
exten => 8001,1,Pickup(2001@internal)
; Nobody answers: the call goes on to the next priority, as voicemail would.
exten => 2009,1,Dial(PJSIP/alice,3)
same => n,Log(NOTICE,AFTER_DIAL DIALSTATUS=${DIALSTATUS})
same => n,Answer()
same => n,Wait(0.5)
same => n,Hangup()
";

fn office() -> Pbx {
    Pbx::start(PbxSpec::new(
        &[
            "alice",
            "alice-desk",
            "carol",
            "erin",
            "bob",
            "dave",
            "caller1",
            "caller2",
        ],
        CONF,
        DIALPLAN,
    ))
}

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn basic_pickup_connects_picker_and_cancels_callee() {
    let pbx = office();
    let mut alice = pbx.ringing_phone("alice", 1);
    let mut caller = pbx.call("caller1", "2001");
    let ringing = pbx.wait_ringing(1);
    assert!(
        ringing.contains("alice") && ringing.contains("*101"),
        "{ringing}"
    );

    let mut bob = pbx.pick("bob", "*101", 2000);
    pbx.wait_bridged("caller1", "bob");

    bob.wait(WAIT).unwrap();
    caller
        .wait(WAIT)
        .expect("the caller is connected, then hung up by bob");
    alice.wait(WAIT).expect("alice's phone stops ringing");
    alice.assert_answered_elsewhere();
    pbx.wait_ringing(0);
    pbx.wait_log("picked up the call from caller1 to alice in group *101");
    let stats = pbx.cli("grouppickup show stats");
    assert!(
        stats.contains("Calls tracked                1")
            && stats.contains("Pickups                      1"),
        "{stats}"
    );
}

#[test]
fn longest_ringing_call_is_picked_first() {
    let pbx = office();
    let mut alice = pbx.ringing_phone("alice", 1);
    let mut carol = pbx.ringing_phone("carol", 1);
    let mut first = pbx.call("caller1", "2001");
    pbx.wait_ringing(1);
    std::thread::sleep(Duration::from_secs(1));
    let mut second = pbx.call("caller2", "2002");
    pbx.wait_ringing(2);

    let mut bob = pbx.pick("bob", "*101", 3000);
    pbx.wait_bridged("caller1", "bob");
    let mut dave = pbx.pick("dave", "*101", 3000);
    pbx.wait_bridged("caller2", "dave");

    for sipp in [
        &mut bob,
        &mut dave,
        &mut first,
        &mut second,
        &mut alice,
        &mut carol,
    ] {
        sipp.wait(WAIT).unwrap();
    }
    alice.assert_answered_elsewhere();
    carol.assert_answered_elsewhere();
}

#[test]
fn a_non_member_picks_up() {
    // dave is not configured at all, not even as a user.
    let pbx = office();
    let mut carol = pbx.ringing_phone("carol", 1);
    let mut caller = pbx.call("caller1", "2002");
    pbx.wait_ringing(1);
    let mut dave = pbx.pick("dave", "*101", 3000);
    pbx.wait_bridged("caller1", "dave");
    dave.wait(WAIT).unwrap();
    caller.wait(WAIT).unwrap();
    carol.wait(WAIT).unwrap();
    carol.assert_answered_elsewhere();
}

#[test]
fn another_groups_number_does_not_pick_the_call() {
    let pbx = office();
    let mut erin = pbx.ringing_phone("erin", 1);
    let _caller = pbx.call("caller1", "2003");
    pbx.wait_ringing(1);

    let mut bob = pbx.pick_refused("bob", "*101");
    bob.wait(WAIT).unwrap();
    assert_eq!(pbx.wait_statuses(1), ["NOCALL"]);
    // Still ringing at erin, and pickable with the right number.
    pbx.wait_ringing(1);
    assert!(erin.received("CANCEL").is_empty());

    let mut dave = pbx.pick("dave", "*102", 3000);
    pbx.wait_bridged("caller1", "dave");
    dave.wait(WAIT).unwrap();
    erin.wait(WAIT).unwrap();
    erin.assert_answered_elsewhere();
}

#[test]
fn nothing_ringing_gives_nocall_and_unknown_number_gives_invalid() {
    let pbx = office();
    let mut bob = pbx.pick_refused("bob", "*101");
    bob.wait(WAIT).unwrap();
    let mut bob = pbx.pick_refused("bob", "*200");
    bob.wait(WAIT).unwrap();
    let mut bob = pbx.pick_refused("bob", "12ab");
    bob.wait(WAIT).unwrap();
    assert_eq!(pbx.wait_statuses(3), ["NOCALL", "INVALID", "INVALID"]);
    assert!(pbx.channels().is_empty(), "no connection was made");
}

#[test]
fn unanswered_call_goes_on_in_the_dialplan() {
    let pbx = office();
    let mut alice = pbx.ringing_phone("alice", 1);
    let mut caller = pbx.call("caller1", "2009");
    pbx.wait_ringing(1);
    // Dial's 3 s timeout; then the next priority answers the caller.
    caller
        .wait(WAIT)
        .expect("the next priority answers, then hangs up");
    alice.wait(WAIT).unwrap();
    pbx.wait_log("AFTER_DIAL DIALSTATUS=NOANSWER");
    let reasons = alice.cancel_reasons();
    assert_eq!(reasons.len(), 1);
    assert!(
        !reasons[0].contains("cause=200"),
        "not answered elsewhere: {reasons:?}"
    );
    pbx.wait_ringing(0);
}

#[test]
fn simultaneous_ring_is_picked_once_and_both_devices_cancelled() {
    let pbx = office();
    let mut alice = pbx.ringing_phone("alice", 1);
    let mut desk = pbx.ringing_phone("alice-desk", 1);
    let mut caller = pbx.call("caller1", "2011");
    let ringing = pbx.wait_for("both of alice's devices ringing", WAIT, |p| {
        let out = p.try_cli("grouppickup show ringing").ok()?;
        (out.contains("1 call(s) ringing") && out.contains("PJSIP/alice-desk-")).then_some(out)
    });
    assert!(ringing.contains("PJSIP/alice-0"), "{ringing}");

    let mut bob = pbx.pick("bob", "*101", 3000);
    pbx.wait_bridged("caller1", "bob");
    // Only one call was there: a second picker finds nothing.
    let mut dave = pbx.pick_refused("dave", "*101");
    dave.wait(WAIT).unwrap();
    assert_eq!(pbx.wait_statuses(1), ["NOCALL"]);

    bob.wait(WAIT).unwrap();
    caller.wait(WAIT).unwrap();
    alice.wait(WAIT).unwrap();
    desk.wait(WAIT).unwrap();
    alice.assert_answered_elsewhere();
    desk.assert_answered_elsewhere();
}

/// Asterisk's own Pickup() takes a call the module tracks: the call leaves
/// the index and the group's lamp goes idle (the leg stops ringing as
/// itself when the picker is moved into it, without a dial message of its
/// own).
#[test]
fn a_call_taken_by_native_pickup_leaves_the_index_and_the_lamp() {
    let pbx = office();
    let mut alice = pbx.ringing_phone("alice", 1);
    let mut caller = pbx.call("caller1", "2001");
    pbx.wait_ringing(1);
    let lamp = || pbx.cli("dialplan eval function DEVICE_STATE(GroupPickup:*101)");
    assert!(lamp().contains("RINGING"), "{}", lamp());

    let mut dave = pbx.pick("dave", "8001", 1000);
    pbx.wait_bridged("caller1", "dave");
    pbx.wait_ringing(0);
    pbx.wait_for("the lamp of *101 idle", WAIT, |_| {
        lamp().contains("NOT_INUSE").then_some(())
    });
    dave.wait(WAIT).unwrap();
    caller
        .wait(WAIT)
        .expect("the caller is connected, then hung up by dave");
    alice.wait(WAIT).expect("alice's phone stops ringing");
}
