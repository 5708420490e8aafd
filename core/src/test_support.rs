//! What the core's unit tests share: a registry built from configuration
//! text, and a leg ringing the way Dial() rings it.

use super::arbiter::{LegEvent, Registry};
use super::config::{sections_from_text, Config};

/// A registry with the configuration `conf` (grouppickup.conf text).
pub fn registry(conf: &str) -> Registry {
    Registry::new(Config::from_sections(&sections_from_text("t", conf)).unwrap())
}

/// A leg Dial() created that starts ringing on channel `name`.
pub fn dialed_leg<'a>(uniqueid: &'a str, name: &'a str) -> LegEvent<'a> {
    LegEvent {
        uniqueid,
        name,
        appl: "AppDial",
        ringing: true,
        ..LegEvent::default()
    }
}
