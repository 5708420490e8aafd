//! What Asterisk's channel names and applications mean to the core.
//!
//! A call to a device (`PJSIP/alice`) gets a channel named after it with a
//! sequence suffix (`PJSIP/alice-0000002a`); the application that created a
//! dialed leg is `AppDial` for Dial() and `AppQueue` for Queue(); a text
//! message to a device goes to `<technology in lower case>:<resource>`.

use grouppickup_core::arbiter::Origin;
use grouppickup_core::ringing::Claim;

/// The device a channel was created for, from the channel's name: the name
/// without its `-<hex sequence>` suffix. Channels that do not follow that
/// pattern (Local channels, for instance) belong to no device.
pub fn device_of_channel(channel: &str) -> Option<&str> {
    let (device, suffix) = channel.rsplit_once('-')?;
    let is_sequence = !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_hexdigit());
    (is_sequence && device.contains('/')).then_some(device)
}

/// Who created a leg, from the `appl` of its channel snapshot.
pub fn origin(appl: &str) -> Origin {
    match appl {
        "AppDial" => Origin::Dial,
        "AppQueue" => Origin::Queue,
        _ => Origin::Other,
    }
}

/// Asterisk's message destination for a device: `PJSIP/alice` is
/// `pjsip:alice` (the message technology is the channel technology in lower
/// case).
pub fn message_destination(device: &str) -> Option<String> {
    let (tech, resource) = device.split_once('/')?;
    (!tech.is_empty() && !resource.is_empty())
        .then(|| format!("{}:{resource}", tech.to_ascii_lowercase()))
}

/// The destinations of a picked-up call: each device its legs rang at, once.
pub fn message_destinations(claim: &Claim) -> Vec<String> {
    let mut out: Vec<String> = claim
        .legs
        .iter()
        .filter_map(|leg| device_of_channel(&leg.name))
        .filter_map(message_destination)
        .collect();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use grouppickup_core::ring_time::RingTime;
    use grouppickup_core::ringing::Leg;

    #[test]
    fn channel_names_map_to_devices() {
        assert_eq!(
            device_of_channel("PJSIP/alice-0000002a"),
            Some("PJSIP/alice")
        );
        assert_eq!(
            device_of_channel("PJSIP/alice-desk-00000003"),
            Some("PJSIP/alice-desk")
        );
        assert_eq!(
            device_of_channel("Local/100@from-internal-00000001;2"),
            None
        );
        assert_eq!(device_of_channel("PJSIP/alice"), None);
        assert_eq!(device_of_channel("alice-0001"), None);
        assert_eq!(device_of_channel("PJSIP/alice-"), None);
    }

    #[test]
    fn applications_map_to_origins() {
        assert_eq!(origin("AppDial"), Origin::Dial);
        assert_eq!(origin("AppQueue"), Origin::Queue);
        assert_eq!(origin("AppDial2"), Origin::Other);
        assert_eq!(origin(""), Origin::Other);
    }

    #[test]
    fn messages_go_to_each_device_that_rang() {
        let leg = |name: &str| Leg {
            id: name.into(),
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
            rang_at: RingTime::now(),
            elsewhere: None,
        };
        assert_eq!(
            message_destinations(&claim),
            ["pjsip:alice", "pjsip:alice-desk"]
        );
        assert_eq!(message_destination("nonsense"), None);
    }
}
