//! Loading, reloading and unloading the module in a real Asterisk, with good
//! and bad configuration files.

mod support;

use std::time::Duration;
use support::{Pbx, PbxSpec, Phone};

const GOOD: &str = "\
[general]
context = grouppickup

[office]
type = range
start = *100
end = *119

[alice]
type = user
endpoint = PJSIP/alice
group = *101
";

fn pbx(conf: &str, dialplan: &str) -> Pbx {
    Pbx::start(PbxSpec {
        phones: vec![Phone::new("alice"), Phone::new("bob")],
        grouppickup_conf: conf.to_string(),
        dialplan: dialplan.to_string(),
        endpoint_options: String::new(),
        files: Vec::new(),
    })
}

fn loaded(pbx: &Pbx) -> bool {
    pbx.cli("module show like app_grouppickup")
        .lines()
        .any(|l| l.starts_with("app_grouppickup.so") && !l.contains("Not Running"))
}

fn group_extensions(pbx: &Pbx) -> usize {
    pbx.try_cli("dialplan show grouppickup")
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("GroupPickup("))
        .count()
}

#[test]
fn numbers_are_registered_and_removed_exactly() {
    let pbx = pbx(GOOD, "");
    assert!(loaded(&pbx));
    assert_eq!(group_extensions(&pbx), 20);
    let ranges = pbx.cli("grouppickup show ranges");
    assert!(
        ranges.contains("*100") && ranges.contains("*119") && ranges.contains("20 group number(s)"),
        "{ranges}"
    );
    let ext = pbx.cli("dialplan show *105@grouppickup");
    assert!(ext.contains("GroupPickup(*105)"), "{ext}");

    // Unload removes every registration; load brings them back.
    pbx.cli("module unload app_grouppickup.so");
    assert!(!loaded(&pbx));
    assert_eq!(group_extensions(&pbx), 0);
    assert!(pbx
        .cli("core show applications like GroupPickup")
        .contains("0 Applications Matching"));
    pbx.cli("module load app_grouppickup.so");
    assert!(loaded(&pbx), "{}", support::tail(&pbx.log(), 20));
    assert_eq!(group_extensions(&pbx), 20);
}

#[test]
fn invalid_file_at_load_declines_the_module_with_file_and_line() {
    let bad = GOOD.replace("end = *119", "end = *1190");
    let pbx = pbx(&bad, "");
    assert!(!loaded(&pbx));
    let log = pbx.log();
    assert!(
        log.contains(
            "grouppickup.conf:6: [office]: start *100 and end *1190 must have the same length"
        ),
        "{}",
        support::tail(&log, 30)
    );
    assert!(log.contains("the module is not loaded"));
    assert_eq!(group_extensions(&pbx), 0);
}

#[test]
fn invalid_file_on_reload_keeps_the_running_configuration() {
    let pbx = pbx(GOOD, "");
    pbx.write_grouppickup_conf(&GOOD.replace("group = *101", "group = *300"));
    pbx.cli("module reload app_grouppickup.so");
    pbx.wait_for("the reload error", Duration::from_secs(10), |p| {
        p.log()
            .contains("the running configuration stays in force")
            .then_some(())
    });
    assert!(pbx
        .log()
        .contains("grouppickup.conf:12: [alice]: group *300 is not inside any range"));
    assert!(loaded(&pbx));
    assert_eq!(group_extensions(&pbx), 20);
    assert!(pbx.cli("grouppickup show groups").contains("*101"));

    // A valid file is swapped in, numbers and all.
    pbx.write_grouppickup_conf(&GOOD.replace("end = *119", "end = *109"));
    pbx.cli("module reload app_grouppickup.so");
    pbx.wait_for("the new ranges", Duration::from_secs(10), |p| {
        (group_extensions(p) == 10).then_some(())
    });
}

#[test]
fn a_group_number_that_is_a_real_extension_is_reported() {
    let dialplan = "[grouppickup]\nexten => *105,1,Playback(beep)\n";
    let pbx = pbx(GOOD, dialplan);
    assert!(loaded(&pbx));
    let log = pbx.log();
    assert!(
        log.contains("1 group number(s) collide with existing extensions in context 'grouppickup'")
            && log.contains(": *105 (a group number must not be a real extension)"),
        "{}",
        support::tail(&log, 30)
    );
    assert_eq!(group_extensions(&pbx), 19);
    assert!(pbx
        .cli("dialplan show *105@grouppickup")
        .contains("Playback(beep)"));
}
