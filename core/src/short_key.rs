//! A string map key that is kept inside the hash table when it is short, as
//! device names are (`PJSIP/alice`). A lookup compares the key it probes
//! with the one asked for; with the bytes in the table that comparison does
//! not have to fetch a separate allocation from memory, which in a table of
//! 100,000 devices is a cache miss on every ringing leg.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};

/// Longest key kept inline: the enum is then as small as a `String`.
const INLINE: usize = 22;

#[derive(Clone)]
pub enum ShortKey {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl ShortKey {
    pub fn new(key: &str) -> ShortKey {
        if key.len() > INLINE {
            return ShortKey::Heap(key.into());
        }
        let mut bytes = [0u8; INLINE];
        bytes[..key.len()].copy_from_slice(key.as_bytes());
        ShortKey::Inline {
            len: key.len() as u8,
            bytes,
        }
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        match self {
            // Copied from a str whole, so always valid UTF-8.
            ShortKey::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..*len as usize]).unwrap_or_default()
            }
            ShortKey::Heap(key) => key,
        }
    }
}

impl Borrow<str> for ShortKey {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

// Hash and equality are the str's, as `Borrow<str>` requires.
impl Hash for ShortKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq for ShortKey {
    fn eq(&self, other: &ShortKey) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for ShortKey {}

impl fmt::Debug for ShortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn short_and_long_keys_find_their_entries() {
        let long = "SIP/a-very-long-device-name-beyond-inline";
        let keys = ["", "PJSIP/alice", "PJSIP/ünïcode-desk", long];
        let map: HashMap<ShortKey, usize> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (ShortKey::new(k), i))
            .collect();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(map.get(*k), Some(&i));
        }
        assert_eq!(map.get("PJSIP/alic"), None);
        assert!(matches!(
            ShortKey::new("PJSIP/alice"),
            ShortKey::Inline { .. }
        ));
        assert!(matches!(ShortKey::new(long), ShortKey::Heap(_)));
        assert_eq!(
            std::mem::size_of::<ShortKey>(),
            std::mem::size_of::<String>()
        );
    }
}
