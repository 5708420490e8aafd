//! Group call pickup in a real FreeSWITCH with real SIP endpoints (SIPp):
//! mod_grouppickup loaded into a FreeSWITCH of its own per test.
//!
//! The office: alice (two desk phones: alice and alice2) and carol are in
//! group *101, erin is in group *102 (members only); bob and dave are in no
//! group; caller1 and caller2 call in. Without an installed FreeSWITCH
//! every test says so and passes without running.

use grouppickup_testkit::freeswitch::{installed, FreeSwitch, FsSpec, DOMAIN};
use grouppickup_testkit::Sipp;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn conf() -> String {
    format!(
        r#"
  <settings>
    <param name="context" value="default"/>
    <param name="blf" value="true"/>
  </settings>
  <ranges>
    <range name="office" start="*100" end="*199"/>
  </ranges>
  <groups>
    <group number="*101" name="Sales"/>
    <group number="*102" name="Lab" pickup-by="members"/>
  </groups>
  <users>
    <user name="alice" endpoint="user/alice@{DOMAIN}, user/alice2@{DOMAIN}" group="*101"
          private-lines="2091" personal-contacts="caller2"/>
    <user name="carol" endpoint="user/carol@{DOMAIN}" group="*101"/>
    <user name="erin" endpoint="user/erin@{DOMAIN}" group="*102"/>
    <user name="bob" endpoint="user/bob@{DOMAIN}"/>
  </users>"#
    )
}

fn ext(name: &str, expression: &str, actions: &[(&str, &str)]) -> String {
    let actions: String = actions
        .iter()
        .map(|(app, data)| format!("<action application=\"{app}\" data=\"{data}\"/>"))
        .collect();
    format!(
        "<extension name=\"{name}\"><condition field=\"destination_number\" \
         expression=\"{expression}\">{actions}</condition></extension>\n"
    )
}

fn dialplan() -> String {
    let bridge = |user: &str| format!("user/{user}@{DOMAIN}");
    [
        ext("alice", "^2001$", &[("bridge", &bridge("alice"))]),
        ext("carol", "^2002$", &[("bridge", &bridge("carol"))]),
        ext("erin", "^2003$", &[("bridge", &bridge("erin"))]),
        ext(
            "alice-both",
            "^2011$",
            &[(
                "bridge",
                &format!("{},{}", bridge("alice"), bridge("alice2")),
            )],
        ),
        // alice's private line rings the same phone.
        ext("alice-private", "^2091$", &[("bridge", &bridge("alice"))]),
        ext(
            "alice-excluded",
            "^2021$",
            &[
                ("export", "grouppickup_exclude=true"),
                ("bridge", &bridge("alice")),
            ],
        ),
        // Nobody answers: the call goes on in the dialplan, as voicemail would.
        ext(
            "alice-noanswer",
            "^2009$",
            &[
                ("set", "call_timeout=3"),
                ("set", "continue_on_fail=true"),
                ("bridge", &bridge("alice")),
                ("log", "NOTICE AFTER_BRIDGE ${originate_disposition}"),
                ("hangup", ""),
            ],
        ),
        // group_pickup called directly, its status logged.
        ext(
            "pick",
            "^pick(.+)$",
            &[
                ("group_pickup", "$1"),
                ("log", "NOTICE GP_STATUS=${grouppickup_status}"),
                ("hangup", ""),
            ],
        ),
    ]
    .concat()
}

const PHONES: &[&str] = &[
    "alice", "alice2", "carol", "erin", "bob", "dave", "caller1", "caller2",
];

/// The office's FreeSWITCH, or None (and why) when none is installed.
fn office() -> Option<FreeSwitch> {
    match installed() {
        Ok(_) => Some(FreeSwitch::start(FsSpec::new(PHONES, &conf(), &dialplan()))),
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

fn assert_answered_elsewhere(phone: &Sipp) {
    let reasons = phone.cancel_reasons();
    assert_eq!(
        reasons.len(),
        1,
        "{}: CANCELs received: {reasons:?}",
        phone.name
    );
    assert!(
        reasons[0].contains("SIP;cause=200"),
        "{}: CANCEL carries '{}', expected Reason: SIP;cause=200",
        phone.name,
        reasons[0]
    );
}

fn wait_ringing(fs: &FreeSwitch, count: usize) -> String {
    assert!(
        fs.wait_ringing(count, WAIT),
        "expected {count} call(s) ringing:\n{}\n{}",
        fs.api("grouppickup show ringing"),
        grouppickup_testkit::tail(&fs.log(), 40)
    );
    fs.api("grouppickup show ringing")
}

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
    assert_answered_elsewhere(&alice);
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
    assert_answered_elsewhere(&alice);
    let left = wait_ringing(&fs, 1);
    assert!(left.contains("carol"), "{left}");

    let mut dave = fs.pick("dave", "*101", 1000);
    for sipp in [&mut dave, &mut first, &mut second, &mut carol] {
        sipp.wait(WAIT).unwrap();
    }
    assert_answered_elsewhere(&carol);
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
    assert_answered_elsewhere(&alice);
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
