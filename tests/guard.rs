//! No Rust panic may unwind into Asterisk. A test-only build of the module
//! (feature `fault-injection`) panics on purpose when an entry from C gets
//! the input `!panic`; here every kind of entry gets it in a real Asterisk:
//! the application, a channel event, a dialplan function, the device state,
//! the CLI, its completion and the AMI. Each time the panic must become a
//! logged error and a failure answer, Asterisk must keep running, and the
//! module must go on working: a real pickup at the end proves it.

use grouppickup_testkit::{
    ami_header, fault_injection_module_path, Ami, Pbx, PbxSpec, OFFICE_WITH_ALICE,
};
use std::time::Duration;

const CONF: &str = OFFICE_WITH_ALICE;

const DIALPLAN: &str = "\
exten => 2001,1,Dial(PJSIP/alice,30)
exten => 2002,1,Set(CALLERID(name)=!panic)
same => n,Dial(PJSIP/alice,30)
exten => 7001,1,GroupPickup(!panic)
same => n,Log(NOTICE,AFTER_APP status=[${GROUPPICKUP_STATUS}])
same => n,Log(NOTICE,AFTER_FUNC value=[${GROUPPICKUP_RINGING(!panic)}] state=[${DEVICE_STATE(GroupPickup:!panic)}])
same => n,Hangup(21)
";

const WAIT: Duration = Duration::from_secs(30);

fn internal_errors(pbx: &Pbx, entry: &str) -> usize {
    pbx.log()
        .matches(&format!(
            "grouppickup: internal error in {entry}: deliberate panic"
        ))
        .count()
}

/// Waits until the log (written by Asterisk's logger thread, a moment
/// later) shows `n` internal errors of `entry`.
fn assert_internal_errors(pbx: &Pbx, entry: &str, n: usize) {
    pbx.wait_for(&format!("{n} internal error(s) in {entry}"), WAIT, |p| {
        (internal_errors(p, entry) == n).then_some(())
    });
}

#[test]
fn a_panic_in_any_entry_becomes_an_error_and_asterisk_goes_on() {
    let pbx = Pbx::start_with_module(
        PbxSpec::new(&["alice", "bob", "caller1", "caller2"], CONF, DIALPLAN),
        &fault_injection_module_path(),
    );

    // The application, a dialplan function and the device state provider.
    let mut probe = pbx.refused_call("bob", "7001");
    probe.wait(WAIT).unwrap();
    assert_internal_errors(&pbx, "GroupPickup", 1);
    assert_internal_errors(&pbx, "dialplan function", 1);
    assert_internal_errors(&pbx, "device state", 1);
    let log = pbx.wait_log("AFTER_FUNC");
    assert!(log.contains("AFTER_APP status=[]"), "the dialplan went on");
    assert!(log.contains("AFTER_FUNC value=[] state=[INVALID]"), "{log}");

    // The CLI and its completion.
    let out = pbx
        .try_cli("grouppickup show user !panic")
        .unwrap_or_else(|e| e);
    assert!(!out.contains("User:"), "{out}");
    assert_internal_errors(&pbx, "CLI", 1);
    let _ = pbx.cli("_command matchesarray \"grouppickup show user !panic\" \"!panic\"");
    assert_internal_errors(&pbx, "CLI completion", 1);

    // The AMI: the client still gets an answer.
    let mut ami = Ami::login(&pbx, "admin");
    let reply = ami.action("GroupPickupClearUser", &[("User", "!panic")]);
    assert_eq!(
        ami_header(&reply[0], "Response"),
        Some("Error"),
        "{reply:?}"
    );
    assert_internal_errors(&pbx, "AMI", 1);

    // A channel event: a call whose caller name makes the event handler
    // panic is simply not tracked; alice's phone rings on.
    let mut alice = pbx.ringing_phone("alice", 2);
    let _odd = pbx.call("caller2", "2002");
    pbx.wait_for("alice's phone ringing", WAIT, |p| {
        (p.ringing_channels("alice") == 1).then_some(())
    });
    assert_internal_errors(&pbx, "channel event", 1);
    assert!(pbx
        .cli("grouppickup show ringing")
        .contains("0 call(s) ringing"));

    // Asterisk is up and the module still works: a real pickup.
    assert!(pbx.cli("core show uptime").contains("System uptime"));
    let mut caller = pbx.call("caller1", "2001");
    pbx.wait_ringing(1);
    let mut bob = pbx.pick("bob", "*101", 2000);
    pbx.wait_bridged("caller1", "bob");
    bob.wait(WAIT).unwrap();
    caller.wait(WAIT).unwrap();
    drop(alice.wait(Duration::ZERO));
}
