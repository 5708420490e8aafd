//! The "answered elsewhere" text message (`notify_message = yes`): what it
//! says. Where it goes is the adapter's to work out (the devices the call's
//! legs rang at, in the host's message addressing).

use super::ringing::Claim;
use super::view::caller_id;

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
    use crate::ring_time::RingTime;

    #[test]
    fn message_for_the_callee() {
        let mut claim = Claim {
            id: 1,
            group: "*101".parse().unwrap(),
            user: "alice".into(),
            caller_number: "100".into(),
            caller_name: "Carl".into(),
            legs: Vec::new(),
            rang_at: RingTime::now(),
            elsewhere: None,
        };
        assert_eq!(
            body(&claim, "bob"),
            "Your call from \"Carl\" <100> was picked up by bob (group *101)."
        );
        claim.caller_name.clear();
        claim.caller_number.clear();
        assert_eq!(
            body(&claim, "bob"),
            "Your call from an unknown caller was picked up by bob (group *101)."
        );
    }
}
