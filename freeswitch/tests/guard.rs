//! No Rust panic may unwind into FreeSWITCH. A test-only build of the
//! module (feature `fault-injection`) panics on purpose when an entry from
//! C gets the input `!panic`; here every kind of entry gets it in a real
//! FreeSWITCH: the applications, the API command, the dialplan lookup and
//! a channel event. Each time the panic must become a logged error and a
//! failure answer, FreeSWITCH must keep running (the same process), and
//! the module must go on working: a real pickup at the end proves it.

mod office;

use grouppickup_testkit::freeswitch::{extension as ext, fault_injection_module_path, FreeSwitch};
use grouppickup_testkit::tail;
use office::*;
use std::thread::sleep;
use std::time::{Duration, Instant};

fn internal_errors(fs: &FreeSwitch, entry: &str) -> usize {
    fs.log()
        .matches(&format!(
            "grouppickup: internal error in {entry}: deliberate panic"
        ))
        .count()
}

/// Waits until the log shows `n` internal errors of `entry`.
fn assert_internal_errors(fs: &FreeSwitch, entry: &str, n: usize) {
    let deadline = Instant::now() + WAIT;
    while internal_errors(fs, entry) != n {
        assert!(
            Instant::now() < deadline,
            "expected {n} internal error(s) in {entry}, found {}:\n{}",
            internal_errors(fs, entry),
            tail(&fs.log(), 40)
        );
        sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_panic_in_any_entry_becomes_an_error_and_freeswitch_goes_on() {
    let Some(mut spec) = spec() else { return };
    spec.dialplan.push_str(
        &[
            ext(
                "app-panics",
                "^7001$",
                &[
                    ("group_pickup", "!panic"),
                    ("log", "NOTICE AFTER_APP status=[${grouppickup_status}]"),
                    ("group_pickup_sound", "!panic"),
                    ("log", "NOTICE AFTER_SOUND"),
                    ("hangup", ""),
                ],
            ),
            // The caller's name is the input of the ringing leg's event.
            ext(
                "odd-name",
                "^2005$",
                &[
                    ("set_profile_var", "caller_id_name=!panic"),
                    (
                        "bridge",
                        &format!("user/alice@{}", grouppickup_testkit::freeswitch::DOMAIN),
                    ),
                ],
            ),
        ]
        .concat(),
    );
    let fs = FreeSwitch::start_with_module(spec, &fault_injection_module_path());
    let pid = fs.pid().unwrap();

    // The applications: the dialplan goes on after each.
    let mut probe = fs.call_or_fail("bob", "7001");
    probe.wait(WAIT).unwrap();
    assert_internal_errors(&fs, "group_pickup", 1);
    assert_internal_errors(&fs, "group_pickup_sound", 1);
    assert!(
        fs.wait_log("AFTER_SOUND", WAIT),
        "the dialplan went on:\n{}",
        tail(&fs.log(), 30)
    );
    assert!(fs.log().contains("AFTER_APP status=[]"));

    // The API command answers.
    let out = fs.api("grouppickup show user !panic");
    assert!(out.starts_with("-ERR internal error"), "{out}");
    assert_internal_errors(&fs, "the grouppickup API", 1);

    // The dialplan lookup: the number falls through to the normal
    // dialplan, which has nothing for it.
    let mut odd = fs.call_or_fail("dave", "!panic");
    odd.wait(WAIT).unwrap();
    assert_ne!(odd.final_response(), Some(200));
    assert_internal_errors(&fs, "the dialplan lookup", 1);

    // A channel event: a call whose caller name makes the event handler
    // panic is simply not tracked; alice's phone rings on.
    let mut alice = fs.ringing_phone("alice", 1);
    let mut caller = fs.call_or_fail("caller2", "2005");
    let deadline = Instant::now() + WAIT;
    while !alice.messages().contains("180 Ringing") {
        assert!(Instant::now() < deadline, "alice never rang");
        sleep(Duration::from_millis(50));
    }
    assert_internal_errors(&fs, "a channel event", 1);
    assert!(fs
        .api("grouppickup show ringing")
        .contains("0 call(s) ringing"));
    assert!(alice.running(), "alice's phone rings on");
    fs.api("hupall NORMAL_CLEARING");
    let _ = caller.wait(WAIT);
    let _ = alice.wait(WAIT);

    // The same FreeSWITCH is up and the module still works: a real pickup.
    assert_eq!(fs.pid(), Some(pid));
    assert!(fs.api("status").contains("UP"));
    assert_a_pickup_works(&fs);
    let stats = fs.api("grouppickup show stats");
    assert!(stats.contains("Pickups                      1"), "{stats}");
}
