//! What the core's unit tests share: an arbiter built from configuration
//! text, and a leg ringing the way an ordinary dial rings it.

use super::arbiter::{Arbiter, LegEvent, Origin};
use super::config::{sections_from_text, Config};

/// An arbiter with the configuration `conf` (grouppickup.conf text).
pub fn arbiter(conf: &str) -> Arbiter {
    Arbiter::new(Config::from_sections(&sections_from_text("t", conf)).unwrap())
}

/// The device of a test leg name: `PJSIP/alice-1` rings device `PJSIP/alice`.
pub fn device_of(name: &str) -> &str {
    name.rsplit_once('-').map_or("", |(device, _)| device)
}

/// A leg an ordinary dial created that starts ringing, named `name`.
pub fn dialed_leg<'a>(leg: &'a str, name: &'a str) -> LegEvent<'a> {
    LegEvent {
        leg,
        name,
        device: device_of(name),
        origin: Origin::Dial,
        ringing: true,
        ..LegEvent::default()
    }
}
