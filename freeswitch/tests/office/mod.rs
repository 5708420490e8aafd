//! The office both FreeSWITCH suites test in: alice (two desk phones:
//! alice and alice2) and carol are in group *101, erin is in group *102
//! (members only); bob and dave are in no group; caller1 and caller2 call
//! in. The dialplan: 2001 alice, 2002 carol, 2003 erin, 2011 both of
//! alice's phones, 2091 alice's private line, 2021 alice with
//! grouppickup_exclude, 2009 alice for 3 s then on in the dialplan,
//! pick<n> group_pickup with its status logged.
#![allow(dead_code)]

use grouppickup_testkit::freeswitch::{extension as ext, installed, FreeSwitch, FsSpec, DOMAIN};
use grouppickup_testkit::tail;
use std::time::Duration;

pub const WAIT: Duration = Duration::from_secs(30);

pub fn conf() -> String {
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

pub fn dialplan() -> String {
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

pub const PHONES: &[&str] = &[
    "alice", "alice2", "carol", "erin", "bob", "dave", "caller1", "caller2", "p1", "p2", "p3",
    "p4", "p5", "p6", "p7", "p8",
];

/// The office's FreeSWITCH spec, or None (and why) when no FreeSWITCH is
/// installed.
pub fn spec() -> Option<FsSpec> {
    match installed() {
        Ok(_) => Some(FsSpec::new(PHONES, &conf(), &dialplan())),
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

/// The office's FreeSWITCH, started, or None when none is installed.
pub fn office() -> Option<FreeSwitch> {
    spec().map(FreeSwitch::start)
}

/// A call rings at alice, bob picks it up from *101, and alice's phone is
/// told it was answered elsewhere: the module still works.
pub fn assert_a_pickup_works(fs: &FreeSwitch) {
    let mut alice = fs.ringing_phone("alice", 1);
    let mut caller = fs.call("caller1", "2001");
    wait_ringing(fs, 1);
    let mut bob = fs.pick("bob", "*101", 500);
    for sipp in [&mut bob, &mut caller, &mut alice] {
        sipp.wait(WAIT).unwrap();
    }
    alice.assert_answered_elsewhere();
}

pub fn wait_ringing(fs: &FreeSwitch, count: usize) -> String {
    assert!(
        fs.wait_ringing(count, WAIT),
        "expected {count} call(s) ringing:\n{}\n{}",
        fs.api("grouppickup show ringing"),
        tail(&fs.log(), 40)
    );
    fs.api("grouppickup show ringing")
}
