//! Hostile values through every way in: the dialplan, the CLI and the AMI.
//! Empty, huge, non-ASCII, format strings, numbers outside every range: each
//! gets a clear error (or INVALID), nothing crashes, and the module goes on
//! working (a real pickup at the end of each test).

use grouppickup_testkit::{ami_header, tail, Ami, Pbx, PbxSpec, OFFICE_WITH_ALICE};
use std::time::Duration;

/// The office and bob, a user in no group.
fn conf() -> String {
    format!(
        "{}\n[bob]\ntype = user\nendpoint = PJSIP/bob\n",
        OFFICE_WITH_ALICE
    )
}

const WAIT: Duration = Duration::from_secs(30);

fn huge() -> String {
    "9".repeat(3000)
}

fn office() -> Pbx {
    let huge = huge();
    let dialplan = format!(
        "exten => 2001,1,Dial(PJSIP/alice,30)\n\
         exten => 7100,1,GroupPickup()\n\
         same => n,Log(NOTICE,H1=${{GROUPPICKUP_STATUS}})\n\
         same => n,GroupPickup(%s%n%x%p)\n\
         same => n,Log(NOTICE,H2=${{GROUPPICKUP_STATUS}})\n\
         same => n,GroupPickup(\u{c5}\u{e4}*101\u{1F4DE})\n\
         same => n,Log(NOTICE,H3=${{GROUPPICKUP_STATUS}})\n\
         same => n,GroupPickup({huge})\n\
         same => n,Log(NOTICE,H4=${{GROUPPICKUP_STATUS}})\n\
         same => n,GroupPickup(*1010)\n\
         same => n,Log(NOTICE,H5=${{GROUPPICKUP_STATUS}})\n\
         same => n,Log(NOTICE,H6=[${{GROUPPICKUP_GROUP()}}][${{GROUPPICKUP_GROUP(%s%n)}}][${{GROUPPICKUP_RINGING(%n)}}][${{GROUPPICKUP_RINGING({huge})}}][${{GROUPPICKUP_RINGING()}}])\n\
         same => n,Hangup(21)\n"
    );
    Pbx::start(PbxSpec::new(
        &["alice", "bob", "caller1"],
        &conf(),
        &dialplan,
    ))
}

/// The module still does its job.
fn assert_pickup_works(pbx: &Pbx) {
    let mut alice = pbx.ringing_phone("alice", 1);
    let mut caller = pbx.call("caller1", "2001");
    pbx.wait_ringing(1);
    let mut bob = pbx.pick("bob", "*101", 1500);
    pbx.wait_bridged("caller1", "bob");
    bob.wait(WAIT).unwrap();
    caller.wait(WAIT).unwrap();
    alice.wait(WAIT).unwrap();
}

#[test]
fn hostile_dialplan_arguments_give_invalid_and_logged_errors() {
    let pbx = office();
    let mut probe = pbx.refused_call("bob", "7100");
    probe.wait(WAIT).unwrap();
    let log = pbx.wait_log("H6=");
    for n in 1..=5 {
        assert!(
            log.contains(&format!("H{n}=INVALID")),
            "H{n} in\n{}",
            tail(&log, 30)
        );
    }
    assert!(log.contains("H6=[][][][][]"), "{}", tail(&log, 30));
    // The errors name the value, escaped and cut short.
    assert!(log.contains("GROUPPICKUP_GROUP(user): a user name is required"));
    assert!(log.contains("GROUPPICKUP_RINGING(%n): '%n' is not a group number"));
    assert!(
        log.contains(&format!("'{}...'", "9".repeat(64))),
        "huge values are cut"
    );
    assert!(
        !log.lines()
            .any(|l| l.contains("grouppickup:") && l.contains(&"9".repeat(200))),
        "the module writes no huge line (Asterisk's own trace of the call may)"
    );
    assert!(log.contains("\\u{c5}\\u{e4}*101"), "non-ASCII is escaped");
    assert_pickup_works(&pbx);
}

#[test]
fn hostile_cli_arguments_get_clear_errors() {
    let pbx = office();
    // Long, but within what Asterisk's remote console passes on.
    let huge = "9".repeat(200);
    for (args, expected) in [
        ("show user %s%n%x".to_string(), "no user '%s%n%x'"),
        ("show user \u{c5}lice".to_string(), "no user '\\u{c5}lice'"),
        (format!("show user {huge}"), "..."),
        ("show group %n".to_string(), "'%n' is not a group number"),
        (
            "show group 9999999999".to_string(),
            "longer than 9 characters",
        ),
        ("show group *99".to_string(), "not inside any range"),
        (
            "set user bob group %s".to_string(),
            "'%s' is not a group number",
        ),
        (
            "set user bob group *1000".to_string(),
            "not inside any range",
        ),
        (format!("set user {huge} group *101"), "..."),
        ("set user bob group \"\"".to_string(), "it is empty"),
        ("clear user %p%p%p".to_string(), "no user '%p%p%p'"),
    ] {
        let command = format!("grouppickup {args}");
        let out = pbx.try_cli(&command).unwrap_or_else(|e| e);
        assert!(
            out.contains(expected) && out.len() < 1000,
            "{}: {out}",
            &command[..command.len().min(80)]
        );
    }
    assert!(!pbx
        .cli("database show grouppickup")
        .contains("/grouppickup/"));
    assert_pickup_works(&pbx);
}

#[test]
fn hostile_ami_headers_get_errors() {
    let pbx = office();
    let mut ami = Ami::login(&pbx, "admin");
    let huge = "9".repeat(900);
    for (action, headers) in [
        (
            "GroupPickupSetUser",
            vec![("User", "%s%n"), ("Group", "*101")],
        ),
        (
            "GroupPickupSetUser",
            vec![("User", "bob"), ("Group", "%s%n")],
        ),
        (
            "GroupPickupSetUser",
            vec![("User", "bob"), ("Group", huge.as_str())],
        ),
        (
            "GroupPickupSetUser",
            vec![("User", "\u{c5}lice"), ("Group", "*101")],
        ),
        ("GroupPickupSetUser", vec![("User", ""), ("Group", "")]),
        ("GroupPickupClearUser", vec![("User", huge.as_str())]),
        ("GroupPickupClearUser", vec![]),
        ("GroupPickupShow", vec![("Group", "%n%n%n")]),
        ("GroupPickupShow", vec![("Group", "*99999999")]),
    ] {
        let reply = ami.action(action, &headers);
        assert_eq!(
            ami_header(&reply[0], "Response"),
            Some("Error"),
            "{action} {headers:?}: {reply:?}"
        );
        let message = ami_header(&reply[0], "Message").unwrap_or("");
        assert!(
            !message.is_empty() && message.len() < 400,
            "{action}: {message}"
        );
    }
    assert_pickup_works(&pbx);
}
