//! Loading, reloading and unloading the module in a real Asterisk, with good
//! and bad configuration files.

use grouppickup_testkit::{tail, Pbx, PbxSpec, Phone};
use std::time::Duration;

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

/// Numbers around the configured range *100-*119: those in it are dialable
/// while the module is loaded, the others never.
const PROBES: [&str; 7] = ["*100", "*105", "*109", "*110", "*119", "*120", "*199"];
const ALL: [&str; 5] = ["*100", "*105", "*109", "*110", "*119"];

/// The probes that reach GroupPickup() in the module's context.
fn dialable(pbx: &Pbx) -> Vec<&'static str> {
    PROBES
        .into_iter()
        .filter(|n| {
            pbx.try_cli(&format!("dialplan show {n}@grouppickup"))
                .unwrap_or_default()
                .contains("GroupPickup(${EXTEN})")
        })
        .collect()
}

#[test]
fn numbers_are_registered_and_removed_exactly() {
    let pbx = pbx(GOOD, "");
    assert!(loaded(&pbx));
    assert_eq!(dialable(&pbx), ALL);
    let ranges = pbx.cli("grouppickup show ranges");
    assert!(
        ranges.contains("*100") && ranges.contains("*119") && ranges.contains("20 group number(s)"),
        "{ranges}"
    );
    // One pattern covers the range, not 20 extensions.
    let ext = pbx.cli("dialplan show grouppickup");
    assert!(
        ext.contains("'_*1[0-1]X' =>") && ext.contains("GroupPickup(${EXTEN})"),
        "{ext}"
    );

    // Unload removes every registration; load brings them back.
    pbx.cli("module unload app_grouppickup.so");
    assert!(!loaded(&pbx));
    assert!(dialable(&pbx).is_empty());
    assert!(pbx
        .cli("core show applications like GroupPickup")
        .contains("0 Applications Matching"));
    pbx.cli("module load app_grouppickup.so");
    assert!(loaded(&pbx), "{}", tail(&pbx.log(), 20));
    assert_eq!(dialable(&pbx), ALL);
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
        tail(&log, 30)
    );
    assert!(log.contains("the module is not loaded"));
    assert!(dialable(&pbx).is_empty());
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
    assert_eq!(dialable(&pbx), ALL);
    assert!(pbx.cli("grouppickup show groups").contains("*101"));

    // A valid file is swapped in, numbers and all.
    pbx.write_grouppickup_conf(&GOOD.replace("end = *119", "end = *109"));
    pbx.cli("module reload app_grouppickup.so");
    pbx.wait_for("the new ranges", Duration::from_secs(10), |p| {
        (dialable(p) == ["*100", "*105", "*109"]).then_some(())
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
        tail(&log, 30)
    );
    // The real extension wins over the range's pattern, which Asterisk
    // lists (and matches) after it; the other numbers stay dialable.
    let shown = pbx.cli("dialplan show *105@grouppickup");
    let real = shown.find("Playback(beep)").expect("the real extension");
    let group = shown.find("GroupPickup(").expect("the pattern");
    assert!(real < group, "{shown}");
    assert_eq!(dialable(&pbx), ALL);
}

const NO_INCLUDE: &str = "tries to include nonexistent context 'grouppickup'";

#[test]
fn the_context_exists_before_pbx_config_checks_the_includes() {
    // The test Asterisk's extensions.conf has [internal] include => grouppickup,
    // and the module is autoloaded.
    let with = pbx(GOOD, "");
    assert!(loaded(&with));
    with.wait_log("grouppickup: loaded");
    assert!(
        !with.log().contains(NO_INCLUDE),
        "{}",
        tail(&with.log(), 30)
    );

    // Without the module the warning is there: the check above can fail.
    let without = Pbx::start(PbxSpec {
        files: vec![(
            "modules.conf".into(),
            grouppickup_testkit::modules_conf(&["app_grouppickup.so"]),
        )],
        ..PbxSpec::new(&["alice"], GOOD, "")
    });
    assert!(!loaded(&without));
    without.wait_log(NO_INCLUDE);
}
