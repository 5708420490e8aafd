//! A call keeps ringing at its user whatever happens to the user's group
//! meanwhile: when the user is (again) in a group, the call is pickable
//! there, whatever order the changes came in. In a real Asterisk with SIPp
//! phones: alice is in group *101 by the file, bob picks up.

use grouppickup_testkit as support;

use std::time::Duration;
use support::{Pbx, PbxSpec, OFFICE_WITH_ALICE};

const WAIT: Duration = Duration::from_secs(30);

fn office() -> Pbx {
    Pbx::start(PbxSpec::new(
        &["alice", "bob", "caller1"],
        OFFICE_WITH_ALICE,
        "exten => 2001,1,Dial(PJSIP/alice,60)\n",
    ))
}

/// bob dials *101 and is connected to the caller; alice's phone is told.
fn bob_picks_it_up(pbx: &Pbx) {
    let mut bob = pbx.pick("bob", "*101", 2000);
    pbx.wait_bridged("caller1", "bob");
    bob.wait(WAIT).unwrap();
    pbx.wait_log("picked up the call from caller1 to alice in group *101");
}

#[test]
fn clear_then_set_brings_the_ringing_call_back() {
    let pbx = office();
    let mut alice = pbx.ringing_phone("alice", 1);
    let mut caller = pbx.call("caller1", "2001");
    pbx.wait_ringing(1);

    pbx.cli("grouppickup clear user alice");
    pbx.wait_ringing(0);
    let mut refused = pbx.pick_refused("bob", "*101");
    refused.wait(WAIT).unwrap();
    assert_eq!(pbx.wait_statuses(1), ["NOCALL"]);
    assert_eq!(
        pbx.ringing_channels("alice"),
        1,
        "alice's phone still rings"
    );

    pbx.cli("grouppickup set user alice group *101");
    let ringing = pbx.wait_ringing(1);
    assert!(ringing.contains("alice"), "{ringing}");
    bob_picks_it_up(&pbx);
    caller.wait(WAIT).unwrap();
    alice.wait(WAIT).unwrap();
}

#[test]
fn a_call_that_rang_while_the_user_was_in_no_group_is_pickable_once_it_is() {
    let pbx = office();
    pbx.cli("grouppickup clear user alice");
    let mut alice = pbx.ringing_phone("alice", 1);
    let mut caller = pbx.call("caller1", "2001");
    pbx.wait_for("alice's phone rings", WAIT, |p| {
        (p.ringing_channels("alice") == 1).then_some(())
    });
    pbx.wait_ringing(0);

    pbx.cli("grouppickup set user alice group *101");
    pbx.wait_ringing(1);
    bob_picks_it_up(&pbx);
    caller.wait(WAIT).unwrap();
    alice.wait(WAIT).unwrap();
}

#[test]
fn a_reload_without_the_group_then_with_it_brings_the_call_back() {
    let pbx = office();
    let mut alice = pbx.ringing_phone("alice", 1);
    let mut caller = pbx.call("caller1", "2001");
    pbx.wait_ringing(1);

    pbx.write_grouppickup_conf(&OFFICE_WITH_ALICE.replace("group = *101\n", ""));
    pbx.cli("module reload app_grouppickup.so");
    pbx.wait_ringing(0);
    assert_eq!(
        pbx.ringing_channels("alice"),
        1,
        "alice's phone still rings"
    );

    pbx.write_grouppickup_conf(OFFICE_WITH_ALICE);
    pbx.cli("module reload app_grouppickup.so");
    pbx.wait_ringing(1);
    bob_picks_it_up(&pbx);
    caller.wait(WAIT).unwrap();
    alice.wait(WAIT).unwrap();
}
