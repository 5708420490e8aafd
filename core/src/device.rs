//! Devices and the channels Asterisk creates towards them.
//!
//! A user's device is written `Technology/resource` (`PJSIP/alice`); each call
//! to it gets a channel named after it with a sequence suffix
//! (`PJSIP/alice-0000002a`). The technology part is case-insensitive in
//! Asterisk, the resource is not.

/// A device name normalised for lookups.
pub type DeviceKey = super::short_key::ShortKey;

/// The lookup form of a device name: the technology in upper case, as
/// Asterisk names its channels (`PJSIP/alice`), so a channel's device is
/// looked up as it is, without a copy.
pub fn device_key(device: &str) -> std::borrow::Cow<'_, str> {
    match device.split_once('/') {
        Some((tech, _)) if tech.bytes().any(|b| b.is_ascii_lowercase()) => {
            let mut key = device.to_string();
            key[..tech.len()].make_ascii_uppercase();
            key.into()
        }
        _ => device.into(),
    }
}

/// The device a channel was created for, from the channel's name: the name
/// without its `-<hex sequence>` suffix. Channels that do not follow that
/// pattern (Local channels, for instance) belong to no device.
pub fn device_of_channel(channel: &str) -> Option<&str> {
    let (device, suffix) = channel.rsplit_once('-')?;
    let is_sequence = !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_hexdigit());
    (is_sequence && device.contains('/')).then_some(device)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn keys_ignore_technology_case_only() {
        assert_eq!(device_key("pjsip/Alice"), "PJSIP/Alice");
        assert!(matches!(
            device_key("PJSIP/alice"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(device_key("pjsip/Alice"), device_key("PJSIP/Alice"));
        assert_ne!(device_key("PJSIP/alice"), device_key("PJSIP/Alice"));
    }
}
