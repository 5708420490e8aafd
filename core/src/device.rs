//! Devices: a user's device is written `Technology/resource` (`PJSIP/alice`,
//! `user/1000@example.com`). The technology part is case-insensitive, the
//! resource is not. Which device a leg goes to is the adapter's to work out
//! from the host's own names.

/// A device name normalised for lookups.
pub type DeviceKey = super::short_key::ShortKey;

/// The lookup form of a device name: the technology in upper case (as
/// Asterisk names its channels, `PJSIP/alice`), so a device an adapter
/// reads off a leg is usually looked up as it is, without a copy.
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

#[cfg(test)]
mod tests {
    use super::*;

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
