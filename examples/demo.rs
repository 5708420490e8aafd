//! The live demo: an Asterisk with app_grouppickup.so and the sample
//! configuration, a real SIP call ringing alice, and bob picking it up by
//! dialing alice's group number. Run it with `scripts/demo`.

use grouppickup_testkit::{Pbx, PbxSpec, Phone, REPO};
use std::time::{Duration, Instant};

fn step(text: &str) {
    println!("\n==> {text}");
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn main() {
    let conf = std::fs::read_to_string(format!("{}/asterisk-conf/grouppickup.conf", REPO))
        .expect("reading asterisk-conf/grouppickup.conf");
    step("Starting Asterisk with app_grouppickup.so and asterisk-conf/grouppickup.conf");
    let pbx = Pbx::start(PbxSpec {
        phones: ["alice", "bob", "carol", "caller"]
            .iter()
            .map(|n| Phone::new(n))
            .collect(),
        grouppickup_conf: conf,
        dialplan: "exten => 2001,1,Dial(PJSIP/alice,30)\n".to_string(),
        endpoint_options: String::new(),
        files: Vec::new(),
    });
    println!("    {}", pbx.cli("core show version").trim());
    println!("{}", indent(&pbx.cli("module show like grouppickup")));
    println!("{}", indent(&pbx.cli("grouppickup show ranges")));
    println!("{}", indent(&pbx.cli("grouppickup show groups")));

    step("alice's desk phone (a SIPp phone on 127.0.0.1) waits for calls");
    let mut alice = pbx.ringing_phone("alice", 1);

    step("An outside caller dials 2001; only alice's phone rings");
    let mut caller = pbx.call("caller", "2001");
    println!("{}", indent(&pbx.wait_ringing(1)));

    step("bob hears it from across the room and dials *101, alice's group number");
    let started = Instant::now();
    let mut bob = pbx.pick("bob", "*101", 3000);
    let bridge = pbx.wait_bridged("caller", "bob");
    println!(
        "    bob is connected to the caller {} ms after dialing; bridge {bridge}:",
        started.elapsed().as_millis()
    );
    for c in pbx.channels().iter().filter(|c| c.bridge == bridge) {
        println!("      {:<28} {}", c.name, c.state);
    }
    for line in pbx
        .log()
        .lines()
        .filter(|l| l.contains("picked up the call"))
    {
        println!(
            "    log: {}",
            line.split("grouppickup: ").nth(1).unwrap_or(line)
        );
    }

    step("alice's phone stops ringing; what it was told");
    alice.wait(Duration::from_secs(30)).expect("alice's phone");
    for cancel in alice.received("CANCEL") {
        for line in cancel
            .lines()
            .filter(|l| l.starts_with("CANCEL") || l.starts_with("Reason"))
        {
            println!("    {line}");
        }
    }

    step("bob hangs up after a moment; the caller's call ends with it");
    bob.wait(Duration::from_secs(30)).expect("bob's phone");
    caller.wait(Duration::from_secs(30)).expect("the caller");
    println!("{}", indent(&pbx.wait_ringing(0)));

    println!(
        "\nDone: the call rang only at alice, bob picked it up with *101, alice's phone got a\n\
         CANCEL with 'Reason: SIP;cause=200' (answered elsewhere).\n\n\
         To try it with real softphones on your own Asterisk, see \"Installing into an\n\
         existing Asterisk\" in README.md: install the module, copy\n\
         asterisk-conf/grouppickup.conf, add 'include => grouppickup' to the phones'\n\
         context, register alice, bob and carol, call alice and dial *101 from bob."
    );
}
