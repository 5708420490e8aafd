//! The "answered elsewhere" text message (`notify_message = yes`): where it
//! goes and what it says.

use super::device::device_of_channel;
use super::ringing::Claim;
use super::view::caller_id;

/// Asterisk's message destination for a device: `PJSIP/alice` is
/// `pjsip:alice` (the message technology is the channel technology in lower
/// case).
pub fn destination(device: &str) -> Option<String> {
    let (tech, resource) = device.split_once('/')?;
    (!tech.is_empty() && !resource.is_empty())
        .then(|| format!("{}:{resource}", tech.to_ascii_lowercase()))
}

/// The destinations of a picked-up call: each device its legs rang at, once.
pub fn destinations(claim: &Claim) -> Vec<String> {
    let mut out: Vec<String> = claim
        .legs
        .iter()
        .filter_map(|leg| device_of_channel(&leg.name))
        .filter_map(destination)
        .collect();
    out.dedup();
    out
}

/// The message: who called and who picked the call up, with which number.
pub fn body(claim: &Claim, picker: &str) -> String {
    let caller = caller_id(&claim.caller_name, &claim.caller_number);
    let caller = if caller.is_empty() {
        "an unknown caller".to_string()
    } else {
        caller
    };
    format!(
        "Your call from {caller} was picked up by {picker} (group {}).",
        claim.group
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ringing::Leg;
    use std::time::Instant;

    #[test]
    fn message_for_the_callee() {
        let leg = |name: &str| Leg {
            uniqueid: name.into(),
            name: name.into(),
        };
        let claim = Claim {
            id: 1,
            group: "*101".parse().unwrap(),
            user: "alice".into(),
            caller_number: "100".into(),
            caller_name: "Carl".into(),
            legs: vec![
                leg("PJSIP/alice-00000001"),
                leg("PJSIP/alice-00000002"),
                leg("PJSIP/alice-desk-00000003"),
            ],
            since: Instant::now(),
        };
        assert_eq!(destinations(&claim), ["pjsip:alice", "pjsip:alice-desk"]);
        assert_eq!(
            body(&claim, "bob"),
            "Your call from \"Carl\" <100> was picked up by bob (group *101)."
        );
        assert_eq!(destination("nonsense"), None);
    }
}
