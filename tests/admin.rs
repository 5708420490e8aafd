//! The administrator's surface in a real Asterisk: `set user` / `clear user`
//! from the CLI and the AMI (with the AstDB keeping them across restarts),
//! `show group` / `show user`, tab completion, and the XML documentation.
//!
//! The office: alice is in group *101 by the file; bob is in no group.

use grouppickup_testkit::{ami_header, Ami, Pbx, PbxSpec};
use std::time::Duration;

const CONF: &str = "\
[general]
context = grouppickup

[office]
type = range
start = *100
end = *199

[*101]
type = group
name = Sales
pickup_by = members

[alice]
type = user
endpoint = PJSIP/alice
group = *101

[bob]
type = user
endpoint = PJSIP/bob
";

fn office() -> Pbx {
    Pbx::start(PbxSpec::new(
        &["alice", "bob", "caller1"],
        CONF,
        "exten => 2001,1,Dial(PJSIP/alice,30)\n",
    ))
}

const WAIT: Duration = Duration::from_secs(30);

fn field<'a>(text: &'a str, name: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no {name}: in\n{text}"))
}

#[test]
fn cli_assignments_apply_at_once_and_survive_a_restart() {
    let mut pbx = office();
    let alice = pbx.cli("grouppickup show user alice");
    assert_eq!(field(&alice, "Group"), "*101 (Sales)");
    assert_eq!(field(&alice, "Assigned by"), "configuration file");

    let out = pbx.cli("grouppickup set user bob group *101");
    assert!(out.contains("bob is now a member of group *101"), "{out}");
    let out = pbx.cli("grouppickup clear user alice");
    assert!(
        out.contains("alice is no longer a member of group *101"),
        "{out}"
    );
    let group = pbx.cli("grouppickup show group *101");
    assert!(
        group.contains("Members (1):") && group.contains("bob") && !group.contains("alice"),
        "{group}"
    );
    assert!(
        pbx.cli("database show grouppickup")
            .contains("/grouppickup/bob"),
        "kept in the AstDB"
    );

    pbx.restart();
    let bob = pbx.cli("grouppickup show user bob");
    assert_eq!(field(&bob, "Group"), "*101 (Sales)", "after the restart");
    assert_eq!(field(&bob, "Assigned by"), "runtime (AstDB)");
    let alice = pbx.cli("grouppickup show user alice");
    assert_eq!(field(&alice, "Group"), "none");
    assert_eq!(field(&alice, "Assigned by"), "runtime (AstDB)");

    // pickup_by = members now means bob, not alice: the assignment is used.
    let mut refused = pbx.pick_refused("alice", "*101");
    refused.wait(WAIT).unwrap();
    assert_eq!(pbx.wait_statuses(1), ["DENIED"]);
}

#[test]
fn cli_refuses_bad_assignments_and_keeps_the_running_ones() {
    let pbx = office();
    for (command, expected) in [
        (
            "grouppickup set user bob group *300",
            "not inside any range",
        ),
        ("grouppickup set user carol group *101", "no user 'carol'"),
        ("grouppickup set user bob group %s%n", "not a group number"),
        ("grouppickup clear user carol", "no user 'carol'"),
        ("grouppickup show user carol", "no user 'carol'"),
        ("grouppickup show group *300", "not inside any range"),
    ] {
        let out = pbx.try_cli(command).unwrap_or_else(|e| e);
        assert!(out.contains(expected), "{command}: {out}");
    }
    let usage = pbx
        .try_cli("grouppickup set user bob *101")
        .unwrap_or_else(|e| e);
    assert!(
        usage.contains("Usage: grouppickup set user <user> group <number>"),
        "{usage}"
    );
    assert_eq!(
        field(&pbx.cli("grouppickup show user bob"), "Group"),
        "none"
    );
    assert_eq!(
        field(&pbx.cli("grouppickup show user alice"), "Group"),
        "*101 (Sales)"
    );
    assert!(!pbx
        .cli("database show grouppickup")
        .contains("/grouppickup/"));
}

#[test]
fn tab_completion_offers_users_and_groups() {
    let pbx = office();
    let users = pbx.cli("_command matchesarray \"grouppickup show user a\" \"a\"");
    assert!(users.contains("alice"), "{users}");
    assert!(!users.contains("bob"), "{users}");
    let all = pbx.cli("_command matchesarray \"grouppickup set user \" \"\"");
    assert!(all.contains("alice") && all.contains("bob"), "{all}");
    let keyword = pbx.cli("_command matchesarray \"grouppickup set user bob \" \"\"");
    assert!(keyword.contains("group"), "{keyword}");
    let groups = pbx.cli("_command matchesarray \"grouppickup show group *1\" \"*1\"");
    assert!(groups.contains("*101"), "{groups}");
}

#[test]
fn ami_set_and_clear_need_the_config_class() {
    let pbx = office();
    let mut reporter = Ami::login(&pbx, "reporter");
    let reply = reporter.action("GroupPickupSetUser", &[("User", "bob"), ("Group", "*102")]);
    assert_eq!(
        ami_header(&reply[0], "Response"),
        Some("Error"),
        "{reply:?}"
    );
    assert_eq!(
        ami_header(&reply[0], "Message"),
        Some("Permission denied"),
        "{reply:?}"
    );
    let reply = reporter.action("GroupPickupClearUser", &[("User", "alice")]);
    assert_eq!(ami_header(&reply[0], "Message"), Some("Permission denied"));
    assert_eq!(
        field(&pbx.cli("grouppickup show user bob"), "Group"),
        "none"
    );

    let mut admin = Ami::login(&pbx, "admin");
    let reply = admin.action("GroupPickupSetUser", &[("User", "bob"), ("Group", "*102")]);
    assert_eq!(
        ami_header(&reply[0], "Response"),
        Some("Success"),
        "{reply:?}"
    );
    assert_eq!(
        ami_header(&reply[0], "Message"),
        Some("bob is now a member of group *102")
    );
    let bob = pbx.cli("grouppickup show user bob");
    assert_eq!(field(&bob, "Group"), "*102");
    assert_eq!(field(&bob, "Assigned by"), "runtime (AstDB)");

    let reply = admin.action("GroupPickupSetUser", &[("User", "bob"), ("Group", "*999")]);
    assert_eq!(ami_header(&reply[0], "Response"), Some("Error"));
    assert!(
        ami_header(&reply[0], "Message")
            .unwrap()
            .contains("not inside any range"),
        "{reply:?}"
    );
    let reply = admin.action("GroupPickupSetUser", &[("User", "bob")]);
    assert_eq!(
        ami_header(&reply[0], "Message"),
        Some("Group: header is required")
    );
    let reply = admin.action("GroupPickupClearUser", &[("User", "alice")]);
    assert_eq!(
        ami_header(&reply[0], "Response"),
        Some("Success"),
        "{reply:?}"
    );
    assert_eq!(
        field(&pbx.cli("grouppickup show user alice"), "Group"),
        "none"
    );

    // The read-only action is open to the reporter.
    let list = reporter.action("GroupPickupShow", &[]);
    assert_eq!(
        ami_header(&list[0], "Response"),
        Some("Success"),
        "{list:?}"
    );
    let groups: Vec<&String> = list
        .iter()
        .filter(|m| ami_header(m, "Event") == Some("GroupPickupGroup"))
        .collect();
    assert_eq!(groups.len(), 2, "*101 (settings) and *102 (bob): {list:?}");
    assert_eq!(ami_header(groups[0], "Name"), Some("Sales"));
    assert_eq!(ami_header(groups[1], "Members"), Some("bob"));
    let complete = list.last().unwrap();
    assert_eq!(
        ami_header(complete, "Event"),
        Some("GroupPickupShowComplete")
    );
    assert_eq!(ami_header(complete, "ListItems"), Some("2"));
}

#[test]
fn ami_show_lists_the_calls_ringing_in_a_group() {
    let pbx = office();
    let mut alice = pbx.ringing_phone("alice", 1);
    let mut caller = pbx.call("caller1", "2001");
    pbx.wait_ringing(1);
    let mut ami = Ami::login(&pbx, "admin");
    let list = ami.action("GroupPickupShow", &[("Group", "*101")]);
    let call = list
        .iter()
        .find(|m| ami_header(m, "Event") == Some("GroupPickupCall"))
        .unwrap_or_else(|| panic!("no GroupPickupCall in {list:?}"));
    assert_eq!(ami_header(call, "Callee"), Some("alice"));
    assert_eq!(ami_header(call, "CallerIDNum"), Some("caller1"));
    assert!(ami_header(call, "Channels")
        .unwrap()
        .starts_with("PJSIP/alice-"));
    let text = pbx.cli("grouppickup show group *101");
    assert!(
        text.contains("Ringing (1), oldest first:") && text.contains("GroupPickup:*101 RINGING"),
        "{text}"
    );
    let bad = ami.action("GroupPickupShow", &[("Group", "%s%n")]);
    assert_eq!(ami_header(&bad[0], "Response"), Some("Error"), "{bad:?}");
    drop(caller.wait(Duration::ZERO));
    drop(alice.wait(Duration::ZERO));
}

#[test]
fn asterisk_help_shows_the_documentation() {
    let pbx = office();
    let app = pbx.cli("core show application GroupPickup");
    assert!(
        app.contains("Pick up the call that has rung longest in a call pickup group.")
            && app.contains("GroupPickup(number)")
            && app.contains("Calls to a user's private lines")
            && app.contains("Provided By]\napp_grouppickup"),
        "{app}"
    );
    let function = pbx.cli("core show function GROUPPICKUP_RINGING");
    assert!(
        function.contains("How many pickable calls ring in a call pickup group."),
        "{function}"
    );
    let action = pbx.cli("manager show command GroupPickupShow");
    assert!(
        action.contains("List call pickup groups and the calls ringing in them."),
        "{action}"
    );
    let action = pbx.cli("manager show command GroupPickupSetUser");
    assert!(action.contains("config"), "{action}");
    let event = pbx.cli("manager show event GroupPickup");
    assert!(event.contains("RingTime"), "{event}");
}

fn loaded(pbx: &Pbx) -> bool {
    pbx.cli("module show like app_grouppickup")
        .lines()
        .any(|l| l.starts_with("app_grouppickup.so") && !l.contains("Not Running"))
}

#[test]
fn pickup_by_typos_and_a_second_general_are_refused_at_load() {
    // A misspelt user would have locked everyone out of *101.
    let typo = CONF.replace("pickup_by = members", "pickup_by = alice, bobb");
    let pbx = Pbx::start(PbxSpec::new(&["alice", "bob"], &typo, ""));
    assert!(!loaded(&pbx));
    let log = pbx.wait_log("the module is not loaded");
    assert!(
        log.contains(&format!(
            "grouppickup: {}/etc/grouppickup.conf:12: [*101]: pickup_by = 'alice, bobb': 'bobb' is not a configured user (expected anyone, members, or a comma separated list of users",
            pbx.dir
        )),
        "{}",
        grouppickup_testkit::tail(&log, 20)
    );

    let mixed = CONF.replace("pickup_by = members", "pickup_by = members, bob");
    pbx.write_grouppickup_conf(&mixed);
    let _ = pbx.try_cli("module load app_grouppickup.so");
    pbx.wait_log("pickup_by = 'members, bob' mixes 'members' with user names");
    assert!(!loaded(&pbx));

    // Asterisk keeps both [general] sections; the module refuses the file.
    pbx.write_grouppickup_conf(&format!("{CONF}\n[general]\nblf = no\n"));
    let _ = pbx.try_cli("module load app_grouppickup.so");
    pbx.wait_log("[general]: section [general] is configured twice");
    assert!(!loaded(&pbx));

    // The keywords are case-insensitive.
    pbx.write_grouppickup_conf(&CONF.replace("pickup_by = members", "pickup_by = Anyone"));
    pbx.cli("module load app_grouppickup.so");
    assert!(
        loaded(&pbx),
        "{}",
        grouppickup_testkit::tail(&pbx.log(), 20)
    );
    let group = pbx.cli("grouppickup show group *101");
    assert_eq!(field(&group, "Pickup by"), "anyone", "{group}");
}

#[test]
fn a_reload_that_leaves_no_group_numbers_is_warned_about() {
    let pbx = office();
    assert!(!pbx.log().contains("no group numbers are configured"));
    pbx.write_grouppickup_conf("");
    pbx.cli("module reload app_grouppickup.so");
    let log = pbx.wait_log("no group numbers are configured");
    let expected = format!(
        "grouppickup: no group numbers are configured: {}/etc/grouppickup.conf has no section with type = range",
        pbx.dir
    );
    assert!(
        log.lines()
            .any(|l| l.contains("WARNING") && l.contains(&expected)),
        "{}",
        grouppickup_testkit::tail(&log, 20)
    );
    assert!(loaded(&pbx));
    assert!(pbx
        .try_cli("dialplan show *101@grouppickup")
        .unwrap_or_default()
        .lines()
        .all(|l| !l.contains("GroupPickup(")));
}

/// The answer to an AMI action: its Response and Message.
fn answered(reply: &[String], response: &str, message: &str) {
    assert_eq!(
        (
            ami_header(&reply[0], "Response"),
            ami_header(&reply[0], "Message")
        ),
        (Some(response), Some(message)),
        "{reply:?}"
    );
}

/// alice's group and where it comes from, as `show user` says.
fn alice_group(pbx: &Pbx) -> (String, String) {
    let alice = pbx.cli("grouppickup show user alice");
    (
        field(&alice, "Group").to_string(),
        field(&alice, "Assigned by").to_string(),
    )
}

fn from_the_file() -> (String, String) {
    ("*101 (Sales)".to_string(), "configuration file".to_string())
}

fn stored(pbx: &Pbx, user: &str) -> bool {
    pbx.cli("database show grouppickup")
        .contains(&format!("/grouppickup/{user}"))
}

#[test]
fn cli_reset_puts_the_file_back_at_once() {
    let pbx = office();
    pbx.cli("grouppickup set user alice group *102");
    assert_eq!(alice_group(&pbx).1, "runtime (AstDB)");
    assert!(stored(&pbx, "alice"));

    let out = pbx.cli("grouppickup reset user alice");
    assert!(
        out.contains("alice is back in group *101, as the configuration file says"),
        "{out}"
    );
    assert_eq!(alice_group(&pbx), from_the_file());
    assert!(!stored(&pbx, "alice"), "the AstDB entry is gone");

    // A cleared user too; one never changed is no error.
    pbx.cli("grouppickup clear user alice");
    pbx.cli("grouppickup reset user alice");
    assert_eq!(alice_group(&pbx), from_the_file());
    let out = pbx.cli("grouppickup reset user bob");
    assert!(out.contains("bob is back in no group"), "{out}");
    let out = pbx
        .try_cli("grouppickup reset user carol")
        .unwrap_or_else(|e| e);
    assert!(out.contains("no user 'carol'"), "{out}");

    let users = pbx.cli("_command matchesarray \"grouppickup reset user a\" \"a\"");
    assert!(users.contains("alice") && !users.contains("bob"), "{users}");
}

#[test]
fn ami_reset_needs_the_config_class() {
    let pbx = office();
    pbx.cli("grouppickup clear user alice");
    let mut reporter = Ami::login(&pbx, "reporter");
    let reply = reporter.action("GroupPickupResetUser", &[("User", "alice")]);
    answered(&reply, "Error", "Permission denied");
    assert_eq!(alice_group(&pbx).0, "none");
    assert!(stored(&pbx, "alice"));

    let mut admin = Ami::login(&pbx, "admin");
    let reply = admin.action("GroupPickupResetUser", &[]);
    answered(&reply, "Error", "User: header is required");
    let reply = admin.action("GroupPickupResetUser", &[("User", "alice")]);
    answered(
        &reply,
        "Success",
        "alice is back in group *101, as the configuration file says",
    );
    assert_eq!(alice_group(&pbx), from_the_file());
    assert!(!stored(&pbx, "alice"));
    let help = pbx.cli("manager show command GroupPickupResetUser");
    assert!(help.contains("config") && help.contains("User"), "{help}");
}

#[test]
fn module_reload_honours_an_entry_deleted_from_the_astdb() {
    let pbx = office();
    pbx.cli("grouppickup set user alice group *102");
    pbx.cli("database del grouppickup alice");
    // Not read until the reload.
    assert_eq!(alice_group(&pbx).0, "*102");
    pbx.cli("module reload app_grouppickup.so");
    pbx.wait_log("grouppickup: configuration reloaded");
    assert_eq!(alice_group(&pbx), from_the_file());

    // And one put there by hand is read too.
    pbx.cli("database put grouppickup bob *150");
    pbx.cli("module reload app_grouppickup.so");
    pbx.wait_for("bob in *150", WAIT, |p| {
        let bob = p.cli("grouppickup show user bob");
        (field(&bob, "Group") == "*150").then_some(())
    });
}

#[test]
fn asterisk_help_documents_the_configuration_and_the_ami() {
    let pbx = office();
    let types = pbx.cli("config show help app_grouppickup");
    for object in ["general", "range", "group", "user"] {
        assert!(
            types.lines().any(|l| l.starts_with(object)),
            "[{object}] in\n{types}"
        );
    }
    for (object, options) in [
        (
            "general",
            &[
                "context",
                "pickupsound",
                "pickupfailsound",
                "blf",
                "notify_message",
                "exclude_queue_calls",
            ][..],
        ),
        ("range", &["type", "start", "end"][..]),
        ("group", &["type", "name", "pickup_by"][..]),
        (
            "user",
            &[
                "type",
                "endpoint",
                "group",
                "private_lines",
                "personal_contacts",
            ][..],
        ),
    ] {
        let shown = pbx.cli(&format!("config show help app_grouppickup {object}"));
        for option in options {
            assert!(shown.contains(option), "{object} {option} in\n{shown}");
        }
    }
    let blf = pbx.cli("config show help app_grouppickup general blf");
    assert!(blf.contains("BLF key"), "{blf}");

    let show = pbx.cli("manager show command GroupPickupShow");
    assert!(show.contains("ActionID"), "{show}");
    assert!(
        show.contains("GroupPickupGroup") && show.contains("GroupPickupShowComplete"),
        "the list's events in\n{show}"
    );
    assert!(show.contains("[Since]\ngrouppickup 0.1.0"), "{show}");
    for action in [
        "GroupPickupSetUser",
        "GroupPickupClearUser",
        "GroupPickupResetUser",
    ] {
        let help = pbx.cli(&format!("manager show command {action}"));
        assert!(help.contains("ActionID"), "{help}");
    }
    let app = pbx.cli("core show application GroupPickup");
    assert!(app.contains("grouppickup 0.1.0"), "{app}");
}
