//! mod_grouppickup's features in a real FreeSWITCH with SIPp phones:
//! simultaneous ring, exclusions, group isolation, unanswered calls going
//! on, runtime assignments persisting across a restart, bad configuration
//! at load and on reload, racing pickers, unload/load. Skips (saying so)
//! without an installed FreeSWITCH.

use grouppickup_testkit::freeswitch::{installed, FreeSwitch, FsSpec, DOMAIN};
use grouppickup_testkit::{tail, Sipp};
use std::thread::sleep;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn conf() -> String {
    format!(
        r#"
  <settings>
    <param name="blf" value="true"/>
  </settings>
  <ranges>
    <range name="office" start="*100" end="*199"/>
  </ranges>
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
        ext("erin", "^2003$", &[("bridge", &bridge("erin"))]),
        ext(
            "alice-both",
            "^2011$",
            &[(
                "bridge",
                &format!("{},{}", bridge("alice"), bridge("alice2")),
            )],
        ),
        ext("alice-private", "^2091$", &[("bridge", &bridge("alice"))]),
        ext(
            "alice-excluded",
            "^2021$",
            &[
                ("export", "grouppickup_exclude=true"),
                ("bridge", &bridge("alice")),
            ],
        ),
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

fn spec() -> Option<FsSpec> {
    match installed() {
        Ok(_) => Some(FsSpec::new(PHONES, &conf(), &dialplan())),
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

fn office() -> Option<FreeSwitch> {
    spec().map(FreeSwitch::start)
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
        "{}: {}",
        phone.name,
        reasons[0]
    );
}

fn wait_ringing(fs: &FreeSwitch, count: usize) {
    assert!(
        fs.wait_ringing(count, WAIT),
        "expected {count} call(s) ringing:\n{}\n{}",
        fs.api("grouppickup show ringing"),
        tail(&fs.log(), 40)
    );
}

/// The call rings at alice (tracked or not: the phone says when); a pick
/// of *101 must find nothing.
fn assert_not_pickable(fs: &FreeSwitch, number: &str, caller_name: &str) {
    let mut alice = fs.ringing_phone("alice", 1);
    let mut caller = fs.call_or_fail(caller_name, number);
    let deadline = std::time::Instant::now() + WAIT;
    while !alice.messages().contains("180 Ringing") {
        assert!(std::time::Instant::now() < deadline, "alice never rang");
        sleep(Duration::from_millis(50));
    }
    sleep(Duration::from_millis(500));
    let ringing = fs.api("grouppickup show ringing");
    assert!(ringing.contains("0 call(s) ringing"), "{number}: {ringing}");
    let mut bob = fs.call_or_fail("bob", "pick*101");
    bob.wait(WAIT).unwrap();
    assert!(fs.wait_log("GP_STATUS=NOCALL", WAIT));
    fs.api("hupall NORMAL_CLEARING");
    let _ = caller.wait(WAIT);
    let _ = alice.wait(WAIT);
}

#[test]
fn a_call_ringing_at_two_devices_is_picked_once() {
    let Some(fs) = office() else { return };
    let mut alice = fs.ringing_phone("alice", 1);
    let mut alice2 = fs.ringing_phone("alice2", 1);
    let mut caller = fs.call("caller1", "2011");
    wait_ringing(&fs, 1);
    let ringing = fs.api("grouppickup show ringing");
    assert!(
        ringing.matches("sofia/").count() == 2,
        "two legs, one call: {ringing}"
    );
    let mut bob = fs.pick("bob", "*101", 1000);
    for sipp in [&mut bob, &mut caller, &mut alice, &mut alice2] {
        sipp.wait(WAIT).unwrap();
    }
    assert_answered_elsewhere(&alice);
    assert_answered_elsewhere(&alice2);
    let stats = fs.api("grouppickup show stats");
    assert!(stats.contains("Pickups                      1"), "{stats}");
}

#[test]
fn private_lines_personal_contacts_and_the_exclude_variable_are_never_pickable() {
    let Some(fs) = office() else { return };
    assert_not_pickable(&fs, "2091", "caller1");
    assert_not_pickable(&fs, "2001", "caller2");
    assert_not_pickable(&fs, "2021", "caller1");
}

#[test]
fn groups_are_isolated() {
    let Some(fs) = office() else { return };
    let mut erin = fs.ringing_phone("erin", 1);
    let mut caller = fs.call("caller1", "2003");
    wait_ringing(&fs, 1);
    let mut bob = fs.call_or_fail("bob", "pick*101");
    bob.wait(WAIT).unwrap();
    assert!(fs.wait_log("GP_STATUS=NOCALL", WAIT));
    let mut dave = fs.pick("dave", "*102", 500);
    for sipp in [&mut dave, &mut caller, &mut erin] {
        sipp.wait(WAIT).unwrap();
    }
    assert_answered_elsewhere(&erin);
}

#[test]
fn an_unanswered_call_goes_on_in_the_dialplan() {
    let Some(fs) = office() else { return };
    let mut alice = fs.ringing_phone("alice", 1);
    let mut caller = fs.call_or_fail("caller1", "2009");
    wait_ringing(&fs, 1);
    assert!(
        fs.wait_log("AFTER_BRIDGE", WAIT),
        "the dialplan went on after the unanswered bridge:\n{}",
        tail(&fs.log(), 30)
    );
    wait_ringing(&fs, 0);
    let _ = caller.wait(WAIT);
    let _ = alice.wait(WAIT);
}

#[test]
fn runtime_assignments_persist_across_a_restart_and_reset_restores_the_file() {
    let Some(spec) = spec() else { return };
    let mut fs = FreeSwitch::start(spec);
    let out = fs.api("grouppickup set user bob group *105");
    assert!(out.starts_with("+OK"), "{out}");
    let bad = fs.api("grouppickup set user bob group *999");
    assert!(bad.starts_with("-ERR") && bad.contains("*999"), "{bad}");
    let bad = fs.api("grouppickup set user nobody group *101");
    assert!(bad.starts_with("-ERR") && bad.contains("nobody"), "{bad}");
    let out = fs.api("grouppickup clear user carol");
    assert!(out.starts_with("+OK"), "{out}");

    fs.restart();
    let bob = fs.api("grouppickup show user bob");
    assert!(bob.contains("*105") && bob.contains("runtime"), "{bob}");
    let carol = fs.api("grouppickup show user carol");
    assert!(
        !carol.contains("*101") && carol.contains("runtime"),
        "{carol}"
    );

    let out = fs.api("grouppickup reset user carol");
    assert!(out.contains("*101"), "{out}");
    fs.restart();
    let carol = fs.api("grouppickup show user carol");
    assert!(
        carol.contains("*101") && carol.contains("configuration file"),
        "{carol}"
    );
    let usage = fs.api("grouppickup frobnicate");
    assert!(usage.starts_with("-ERR usage"), "{usage}");
}

#[test]
fn a_bad_configuration_refuses_the_load_and_a_bad_reload_changes_nothing() {
    let Some(mut spec) = spec() else { return };
    let good = spec.grouppickup.clone();
    spec.grouppickup = good.replace("start=\"*100\"", "start=\"*99\"");
    let fs = FreeSwitch::start_any(spec);
    assert_eq!(fs.api("module_exists mod_grouppickup").trim(), "false");
    assert!(
        fs.wait_log("grouppickup.conf.xml: <range name=\"office\">", WAIT),
        "{}",
        tail(&fs.log(), 30)
    );
    assert!(fs.log().contains("*99"));

    // Fixed, it loads; broken again, a reload is refused and the running
    // configuration stays.
    fs.rewrite_grouppickup(&good, &dialplan());
    fs.api("reloadxml");
    let out = fs.api("load mod_grouppickup");
    assert!(out.contains("+OK"), "{out}\n{}", tail(&fs.log(), 20));
    fs.rewrite_grouppickup(
        &good.replace("group=\"*102\"", "group=\"*300\""),
        &dialplan(),
    );
    // reloadxml reloads the module's configuration too; both refuse it.
    fs.api("reloadxml");
    let out = fs.api("grouppickup reload");
    assert!(out.starts_with("-ERR"), "{out}");
    assert!(
        fs.log().contains("<user name=\"erin\">"),
        "{}",
        tail(&fs.log(), 20)
    );
    let erin = fs.api("grouppickup show user erin");
    assert!(erin.contains("*102"), "{erin}");
}

#[test]
fn pickers_racing_for_one_call_one_wins() {
    let Some(fs) = office() else { return };
    let rounds = 10;
    let pickers = ["bob", "dave", "carol", "erin"];
    let mut won = 0;
    for round in 0..rounds {
        let mut alice = fs.ringing_phone("alice", 1);
        let mut caller = fs.call("caller1", "2001");
        wait_ringing(&fs, 1);
        let mut racing: Vec<Sipp> = pickers.iter().map(|p| fs.call_or_fail(p, "*101")).collect();
        sleep(Duration::from_millis(1500));
        let answered: Vec<&str> = racing
            .iter()
            .filter(|s| s.final_response() == Some(200))
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(answered.len(), 1, "round {round}: answered {answered:?}");
        won += 1;
        fs.api("hupall NORMAL_CLEARING");
        for s in racing.iter_mut() {
            let _ = s.wait(WAIT);
        }
        let _ = caller.wait(WAIT);
        alice.wait(WAIT).unwrap();
        assert_answered_elsewhere(&alice);
        wait_ringing(&fs, 0);
    }
    assert_eq!(won, rounds);
    let stats = fs.api("grouppickup show stats");
    assert!(
        stats.contains(&format!("Pickups                      {rounds}")),
        "{stats}"
    );
}

#[test]
fn unload_and_load_again_leave_no_thread_behind() {
    let Some(fs) = office() else { return };
    let threads = || {
        let pid = fs.pid().unwrap();
        std::fs::read_dir(format!("/proc/{pid}/task"))
            .unwrap()
            .count()
    };
    let before = threads();
    for _ in 0..20 {
        let out = fs.api("unload mod_grouppickup");
        assert!(out.contains("+OK"), "{out}");
        let out = fs.api("load mod_grouppickup");
        assert!(out.contains("+OK"), "{out}\n{}", tail(&fs.log(), 20));
    }
    sleep(Duration::from_secs(1));
    assert!(
        threads() <= before + 1,
        "threads: {before} before, {} after",
        threads()
    );
    // Still working.
    let mut alice = fs.ringing_phone("alice", 1);
    let mut caller = fs.call("caller1", "2001");
    wait_ringing(&fs, 1);
    let mut bob = fs.pick("bob", "*101", 500);
    for sipp in [&mut bob, &mut caller, &mut alice] {
        sipp.wait(WAIT).unwrap();
    }
    assert_answered_elsewhere(&alice);
}
