//! At the desk: group call pickup with real softphones (baresip, sending a
//! sine tone as its microphone), beside the SIPp suites. What the picker
//! and the callee hear and see: the picker is bridged with the caller and
//! audio flows both ways, the picker's phone is told who is calling, the
//! callee's phone stops ringing, a picker who finds nothing hears the
//! failure tone, and a phone's presence subscription to the group number
//! sees it ring and go idle.

use grouppickup_testkit::baresip::{json_str, Baresip};
use grouppickup_testkit::{Pbx, PbxSpec};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Two Asterisks and a handful of phones each: one test at a time, so the
/// audio timings are not those of a machine running four at once.
static SERIAL: Mutex<()> = Mutex::new(());

const DIALPLAN: &str = "exten => 2001,1,Dial(PJSIP/alice,30)\n";

/// What a phone needs to be told who it is talking to after a pickup: the
/// connected line, sent as P-Asserted-Identity in a re-INVITE.
const ENDPOINT_OPTIONS: &str =
    "send_connected_line = yes\nsend_pai = yes\ntrust_connected_line = yes\n";

const WAIT: Duration = Duration::from_secs(15);

struct Office {
    pbx: Pbx,
    alice: Baresip,
    bob: Baresip,
    caller: Baresip,
}

fn office() -> Office {
    let mut spec = PbxSpec::new(
        &["alice", "bob", "caller", "watcher"],
        grouppickup_testkit::OFFICE_WITH_ALICE,
        DIALPLAN,
    );
    spec.endpoint_options = ENDPOINT_OPTIONS.to_string();
    let pbx = Pbx::start(spec);
    let phone = |name: &str| Baresip::start(name, pbx.phone(name).port, pbx.sip_port);
    let (alice, bob, caller) = (phone("alice"), phone("bob"), phone("caller"));
    Office {
        pbx,
        alice,
        bob,
        caller,
    }
}

/// The packets Asterisk counted for a channel of `phone`: (received,
/// transmitted), from `pjsip show channelstats`.
fn rtp_counts(pbx: &Pbx, phone: &str) -> Option<(u64, u64)> {
    let stats = pbx.cli("pjsip show channelstats");
    let line = stats.lines().find(|l| {
        l.split_whitespace()
            .nth(1)
            .is_some_and(|c| c.starts_with(phone))
    })?;
    // BridgeId ChannelId ........ UpTime.. Codec.   Count    Lost Pct  Jitter   Count    Lost Pct  Jitter RTT....
    let f: Vec<&str> = line.split_whitespace().collect();
    Some((f.get(4)?.parse().ok()?, f.get(8)?.parse().ok()?))
}

fn caller_calls_alice(o: &Office) {
    o.caller.dial("2001", o.pbx.sip_port);
    o.alice.wait_event("CALL_INCOMING");
    o.pbx.wait_ringing(1);
}

#[test]
fn bob_picks_up_with_a_softphone_and_talks_to_the_caller() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let o = office();
    caller_calls_alice(&o);

    let dialed = Instant::now();
    o.bob.dial("*101", o.pbx.sip_port);
    // The caller's 200 OK comes when the pickup has taken the call.
    o.caller.wait_event("CALL_ESTABLISHED");
    let caller_answered = dialed.elapsed();
    o.pbx.wait_bridged("caller", "bob");
    let bridged = dialed.elapsed();
    o.bob.wait_event("CALL_ESTABLISHED");
    eprintln!(
        "softphones: after bob dialed *101, the caller was answered in {} ms and \
         Asterisk showed them bridged at {} ms",
        caller_answered.as_millis(),
        bridged.as_millis()
    );

    // Alice's phone stops ringing: the CANCEL says the call was completed
    // elsewhere (baresip does not show it; the call just closes).
    let closed = o.alice.wait_event("CALL_CLOSED");
    assert!(!o.alice.events().contains(&"CALL_ESTABLISHED".to_string()));
    let cancel = o
        .alice
        .received()
        .into_iter()
        .find(|m| m.starts_with("CANCEL "))
        .unwrap_or_else(|| panic!("alice got no CANCEL: {closed}"));
    assert!(cancel.contains("Reason: SIP;cause=200"), "{cancel}");

    // Audio both ways: Asterisk's counters of bob's and the caller's legs
    // grow, and each phone gets RTP.
    let before = o
        .pbx
        .wait_for("RTP on bob's leg", WAIT, |p| rtp_counts(p, "bob-"));
    std::thread::sleep(Duration::from_secs(1));
    let after = rtp_counts(&o.pbx, "bob-").unwrap();
    assert!(
        after.0 > before.0 && after.1 > before.1,
        "bob's RTP counters did not move both ways: {before:?} then {after:?}\n{}",
        o.pbx.cli("pjsip show channelstats")
    );
    let caller = rtp_counts(&o.pbx, "caller-").unwrap();
    assert!(caller.0 > 0 && caller.1 > 0, "caller: {caller:?}");
    for phone in [&o.bob, &o.caller] {
        assert!(
            phone.log().contains("incoming rtp for 'audio' established"),
            "{} got no audio",
            phone.name
        );
    }

    // Bob's phone is told who is calling: the connected line, a re-INVITE
    // with the caller's identity.
    let identity = o
        .bob
        .received()
        .into_iter()
        .filter(|m| m.starts_with("INVITE ") || m.starts_with("UPDATE "))
        .find_map(|m| {
            m.lines()
                .find(|l| l.starts_with("P-Asserted-Identity:"))
                .map(str::to_string)
        })
        .unwrap_or_else(|| panic!("bob was not told who is calling:\n{}", o.bob.log()));
    assert!(identity.contains("<sip:caller@"), "{identity}");
    eprintln!("softphones: bob's phone received {identity}");

    o.bob.command("hangup", "");
    o.caller.wait_event("CALL_CLOSED");
    let established = o.bob.wait_event("CALL_ESTABLISHED");
    assert_eq!(
        json_str(&established, "peeruri").as_deref(),
        Some(format!("sip:*101@127.0.0.1:{}", o.pbx.sip_port).as_str())
    );
}

#[test]
fn a_softphone_that_finds_nothing_hears_the_failure_tone() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let o = office();
    let dialed = Instant::now();
    o.bob.dial("*101", o.pbx.sip_port);
    let closed = o.bob.wait_event("CALL_CLOSED");
    let heard = dialed.elapsed();
    let received = o.bob.received();
    // Early media: 183 with SDP, then the tone, and no answer.
    assert!(
        received.iter().any(|m| m.starts_with("SIP/2.0 183 ")),
        "no early media: {received:#?}"
    );
    assert!(
        !received
            .iter()
            .any(|m| m.starts_with("SIP/2.0 200 ") && m.contains("INVITE")),
        "the failed pickup was answered"
    );
    let log = o.bob.log();
    let audio = log
        .find("incoming rtp for 'audio' established")
        .unwrap_or_else(|| panic!("bob heard nothing:\n{log}"));
    let ended = log.find("SIP/2.0 603").expect("the call ends with 603");
    assert!(audio < ended, "the tone came after the end:\n{log}");
    assert!(heard >= Duration::from_millis(1900), "{heard:?}: {closed}");
    eprintln!(
        "softphones: bob heard the failure tone for {} ms",
        heard.as_millis()
    );
    let _ = o.alice;
    let _ = o.caller;
}

/// The presence notes (`Ready`, `Ringing`, ...) in the PIDF bodies of the
/// NOTIFYs a phone received, repeats of one state merged.
fn presence_notes(phone: &Baresip) -> Vec<String> {
    let mut notes: Vec<String> = phone
        .received()
        .iter()
        .filter(|m| m.starts_with("NOTIFY ") && m.contains("Event: presence"))
        .filter_map(|m| {
            let body = m.split("note>").nth(1)?;
            Some(body.split('<').next()?.to_string())
        })
        .collect();
    notes.dedup();
    notes
}

#[test]
fn a_softphone_watching_the_group_number_sees_it_ring_and_go_idle() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let o = office();
    let watcher = Baresip::watching(
        "watcher",
        o.pbx.phone("watcher").port,
        o.pbx.sip_port,
        &["*101"],
    );
    let wait_notes = |what: &str, n: usize| {
        o.pbx.wait_for(what, WAIT, |_| {
            let notes = presence_notes(&watcher);
            (notes.len() >= n).then_some(notes)
        })
    };
    assert_eq!(wait_notes("the first presence NOTIFY", 1), ["Ready"]);
    let hint = o.pbx.cli("core show hint *101");
    assert!(
        hint.contains("GroupPickup:*101") && hint.contains("Watchers  1"),
        "{hint}"
    );

    caller_calls_alice(&o);
    assert_eq!(wait_notes("the ringing NOTIFY", 2), ["Ready", "Ringing"]);
    o.bob.dial("*101", o.pbx.sip_port);
    o.pbx.wait_bridged("caller", "bob");
    assert_eq!(
        wait_notes("the NOTIFY after the pickup", 3),
        ["Ready", "Ringing", "Ready"],
        "idle, ringing, idle again"
    );
    o.bob.command("hangup", "");
    o.caller.wait_event("CALL_CLOSED");
}
