//! A fast hasher for the core's internal maps. Their keys are uniqueids,
//! channel and device names and group numbers that Asterisk or the
//! administrator make up, not strings an outsider chooses, so SipHash's
//! protection against crafted collisions is not worth its cost on the path
//! of every ringing leg.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// An odd constant with well spread bits (the golden ratio's fraction).
const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;
/// The state before any input, so that leading zero words still change it.
const SEED: u64 = 0x243f_6a88_85a3_08d3;

/// Mixes one word in with a folded 64x64->128 bit multiplication: the high
/// half carries every input bit upwards, the low half keeps the low bits
/// varied, so both the bucket index (low bits) and the control byte (high
/// bits) of a hash table get spread values.
#[derive(Clone, Copy, Debug)]
pub struct FastHasher(u64);

impl Default for FastHasher {
    fn default() -> Self {
        FastHasher(SEED)
    }
}

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        let product = u128::from(self.0 ^ word) * u128::from(MULTIPLIER);
        self.0 = (product as u64) ^ ((product >> 64) as u64);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.add(u64::from_le_bytes(word.try_into().unwrap_or_default()));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            self.add(tail(rest));
        }
        // With the length, every input gives one sequence of words.
        self.add(bytes.len() as u64);
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn write_isize(&mut self, i: isize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The last 1 to 7 bytes as one word, read in fixed-size pieces (a
/// variable-length copy into a buffer is a call to memcpy). The pieces may
/// overlap; for a given length the word still determines the bytes.
#[inline]
fn tail(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    if n >= 4 {
        let first = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let last = u32::from_le_bytes([bytes[n - 4], bytes[n - 3], bytes[n - 2], bytes[n - 1]]);
        u64::from(first) | u64::from(last) << 32
    } else {
        u64::from(bytes[0]) | u64::from(bytes[n / 2]) << 8 | u64::from(bytes[n - 1]) << 16
    }
}

pub type FastState = BuildHasherDefault<FastHasher>;

/// A `HashMap` with the fast hasher.
pub type FastMap<K, V> = HashMap<K, V, FastState>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::hash::BuildHasher;

    fn hash<T: std::hash::Hash>(value: T) -> u64 {
        FastState::default().hash_one(value)
    }

    #[test]
    fn equal_inputs_hash_equal_and_near_ones_differ() {
        assert_eq!(hash("1764000000.17"), hash("1764000000.17"));
        assert_ne!(hash("ab"), hash("ab\0"));
        assert_ne!(hash(("ab", "c")), hash(("a", "bc")));
        assert_ne!(hash(0u64), hash(1u64));
        // Every tail length, and tails that differ in one byte only.
        let text = "1764000000.123456";
        let all: HashSet<u64> = (0..=text.len()).map(|n| hash(&text[..n])).collect();
        assert_eq!(all.len(), text.len() + 1);
        assert_ne!(hash("abcde"), hash("abcdf"));
        assert_ne!(hash("abc"), hash("abd"));
    }

    #[test]
    fn uniqueids_spread_over_low_and_high_bits() {
        // Uniqueids differ only in their last digits; a table of 4096
        // buckets uses the low 12 bits and the top 7 bits as control byte.
        let ids: Vec<u64> = (0..4096).map(|i| hash(format!("1764000000.{i}"))).collect();
        let low: HashSet<u64> = ids.iter().map(|h| h & 0xfff).collect();
        let high: HashSet<u64> = ids.iter().map(|h| h >> 57).collect();
        assert!(low.len() > 2400, "{} distinct low parts", low.len());
        assert_eq!(high.len(), 128);
    }
}
