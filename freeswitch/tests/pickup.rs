//! Group call pickup in a real FreeSWITCH with real SIP endpoints (SIPp):
//! mod_grouppickup loaded into a FreeSWITCH of its own per test.
//! The office is in office/mod.rs. Without an installed FreeSWITCH every
//! test says so and passes without running.

mod office;

use office::*;
use std::time::Duration;

#[test]
fn basic_pickup_connects_picker_and_cancels_callee() {
    let Some(fs) = office() else { return };
    let mut events = fs.events("CUSTOM grouppickup::pickup");
    let mut alice = fs.ringing_phone("alice", 1);
    let mut caller = fs.call("caller1", "2001");
    let ringing = wait_ringing(&fs, 1);
    assert!(
        ringing.contains("alice") && ringing.contains("*101"),
        "{ringing}"
    );

    let mut bob = fs.pick("bob", "*101", 2000);
    bob.wait(WAIT).unwrap();
    caller
        .wait(WAIT)
        .expect("the caller is connected, then hung up by bob");
    alice.wait(WAIT).expect("alice's phone stops ringing");
    alice.assert_answered_elsewhere();
    wait_ringing(&fs, 0);

    let event = events
        .next_event("grouppickup::pickup", WAIT)
        .expect("a grouppickup::pickup event");
    assert_eq!(event.header("Group"), Some("*101"));
    assert_eq!(event.header("Callee"), Some("alice"));
    assert_eq!(event.header("Caller-ID-Number"), Some("caller1"));
    assert!(event.header("Picker-UUID").is_some_and(|u| !u.is_empty()));
    assert!(event
        .header("Ring-Time-Ms")
        .and_then(|m| m.parse::<u64>().ok())
        .is_some());
    let stats = fs.api("grouppickup show stats");
    assert!(stats.contains("Pickups                      1"), "{stats}");
}

#[test]
fn longest_ringing_call_is_picked_first() {
    let Some(fs) = office() else { return };
    let mut alice = fs.ringing_phone("alice", 1);
    let mut carol = fs.ringing_phone("carol", 1);
    let mut first = fs.call("caller1", "2001");
    wait_ringing(&fs, 1);
    std::thread::sleep(Duration::from_secs(1));
    let mut second = fs.call("caller2", "2002");
    wait_ringing(&fs, 2);

    let mut bob = fs.pick("bob", "*101", 1000);
    bob.wait(WAIT).unwrap();
    alice
        .wait(WAIT)
        .expect("alice's call (the older) was picked first");
    alice.assert_answered_elsewhere();
    let left = wait_ringing(&fs, 1);
    assert!(left.contains("carol"), "{left}");

    let mut dave = fs.pick("dave", "*101", 1000);
    for sipp in [&mut dave, &mut first, &mut second, &mut carol] {
        sipp.wait(WAIT).unwrap();
    }
    carol.assert_answered_elsewhere();
}

#[test]
fn nothing_ringing_is_nocall_and_a_number_outside_every_range_invalid() {
    let Some(fs) = office() else { return };
    let mut events = fs.events("CUSTOM grouppickup::failed");
    let mut bob = fs.call_or_fail("bob", "pick*150");
    bob.wait(WAIT).unwrap();
    assert!(
        fs.wait_log("GP_STATUS=NOCALL", WAIT),
        "{}",
        grouppickup_testkit::tail(&fs.log(), 30)
    );
    let failed = events
        .next_event("grouppickup::failed", WAIT)
        .expect("a failed event");
    assert_eq!(failed.header("Reason"), Some("NOCALL"));
    assert_eq!(failed.header("Group"), Some("*150"));

    let mut bob = fs.call_or_fail("bob", "pick555");
    bob.wait(WAIT).unwrap();
    assert!(fs.wait_log("GP_STATUS=INVALID", WAIT));
    let failed = events
        .next_event("grouppickup::failed", WAIT)
        .expect("a failed event");
    assert_eq!(failed.header("Reason"), Some("INVALID"));
}

#[test]
fn group_numbers_are_served_without_a_dialplan_entry_and_others_are_not() {
    let Some(fs) = office() else { return };
    let mut alice = fs.ringing_phone("alice", 1);
    let mut caller = fs.call("caller1", "2001");
    wait_ringing(&fs, 1);
    // *250 is in no range: the normal dialplan has nothing for it.
    let mut dave = fs.call_or_fail("dave", "*250");
    dave.wait(WAIT).unwrap();
    assert_ne!(dave.final_response(), Some(200));
    assert!(fs
        .api("grouppickup show ringing")
        .contains("1 call(s) ringing"));
    // *101 has no entry in the dialplan; the module serves it.
    let mut dave = fs.pick("dave", "*101", 500);
    for sipp in [&mut dave, &mut caller, &mut alice] {
        sipp.wait(WAIT).unwrap();
    }
    alice.assert_answered_elsewhere();
}

#[test]
fn a_non_member_is_denied_where_only_members_may_pick_up() {
    let Some(fs) = office() else { return };
    let mut erin = fs.ringing_phone("erin", 1);
    let mut caller = fs.call_or_fail("caller1", "2003");
    wait_ringing(&fs, 1);
    let mut bob = fs.call_or_fail("bob", "pick*102");
    bob.wait(WAIT).unwrap();
    assert!(fs.wait_log("GP_STATUS=DENIED", WAIT));
    assert!(
        fs.api("grouppickup show ringing")
            .contains("1 call(s) ringing"),
        "the call still rings at erin"
    );
    assert!(erin.running(), "erin's phone still rings");
    fs.api("hupall NORMAL_CLEARING");
    let _ = caller.wait(WAIT);
    let _ = erin.wait(WAIT);
}
